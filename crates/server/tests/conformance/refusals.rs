//! A write refused after it wrote (a domain check inside the transaction, a panic) leaves
//! nothing behind, whether it ran alone or among concurrent writes the store commits together,
//! and the writes around it all commit. Writes that all succeed run once each: a store may run
//! a write again only when something failed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use messenger_protocol::custom_channel::ChannelMessage;
use messenger_server::domain::inbound;
use messenger_server::error::AppError;
use messenger_server::store::{ChannelRecord, Store};

use super::bed::Bed;
use super::retry::traces;
use super::workspace;

/// Stores message `m_id` (text "Hello (m_id)") from contact `+1`, then refuses when told to.
async fn store_then(
    store: &Arc<dyn Store>,
    channel: &ChannelRecord,
    m_id: String,
    refuse: bool,
) -> Result<(), AppError> {
    let channel = channel.clone();
    store
        .write(move |tx| {
            let text = ChannelMessage::Text {
                text: format!("Hello ({m_id})"),
            };
            inbound::receive_message(
                tx,
                &channel,
                "+1",
                None,
                inbound::Delivered::new(&m_id, &text),
                workspace::now(),
            )?;
            if refuse {
                return Err(AppError::invalid("refused after writing (in a test)"));
            }
            Ok(())
        })
        .await
}

pub async fn a_refused_write_leaves_nothing_and_the_writes_around_it_commit(bed: Bed) {
    let store = bed.handle(0);
    let channel = workspace::channel(&store).await;
    workspace::contact(&store, &channel, "+1").await;

    let alone = store_then(&store, &channel, "m-alone".into(), true).await;
    assert!(alone.is_err(), "{}: a refused write is refused", bed.store);
    assert_eq!(
        traces(&store, &channel, "m-alone").await,
        (0, 0, 0),
        "{}: (messages, events, jobs) of a write refused alone",
        bed.store
    );

    // Issued at once, so that a store that commits writes in groups takes many together.
    let writes = (0..60).map(|i| store_then(&store, &channel, format!("m-{i}"), i % 3 == 1));
    let answers = futures::future::join_all(writes).await;
    for (i, answer) in answers.iter().enumerate() {
        assert_eq!(
            answer.is_err(),
            i % 3 == 1,
            "{}: write {i}: {answer:?}",
            bed.store
        );
    }
    for i in 0..60 {
        let expected = if i % 3 == 1 { (0, 0, 0) } else { (1, 1, 0) };
        assert_eq!(
            traces(&store, &channel, &format!("m-{i}")).await,
            expected,
            "{}: (messages, events, jobs) of write {i}",
            bed.store
        );
    }
}

pub async fn concurrent_writes_that_all_succeed_run_once_each(bed: Bed) {
    let store = bed.handle(0);
    let runs = Arc::new(AtomicUsize::new(0));
    let writes = (0..60).map(|i| {
        let (store, runs) = (store.clone(), runs.clone());
        async move {
            store
                .write(move |tx| {
                    runs.fetch_add(1, Ordering::SeqCst);
                    Ok(tx.put_meta(&format!("k{i}"), "v")?)
                })
                .await
        }
    });
    for r in futures::future::join_all(writes).await {
        r.unwrap_or_else(|e| panic!("{}: {e:?}", bed.store));
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        60,
        "{}: runs of 60 writes",
        bed.store
    );
}
