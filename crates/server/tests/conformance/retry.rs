//! Transactions that a concurrent one got in the way of (`StoreError::Retryable`: a
//! serialization failure, a deadlock, a busy database) run again: the job that answered so
//! once commits once, with nothing of its failed run; one that never gets through gives up
//! after a few runs, leaving nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use messenger_protocol::Direction;
use messenger_protocol::custom_channel::ChannelMessage;
use messenger_server::domain::inbound;
use messenger_server::store::{ChannelRecord, Store, StoreError};

use super::bed::Bed;
use super::workspace;

/// Stores message `m_id` from contact `+1`, then fails as a concurrent transaction would
/// while `fail_runs` says so; how many runs there were, and the answer.
async fn store_failing(
    store: &Arc<dyn Store>,
    channel: &ChannelRecord,
    m_id: &str,
    fail_runs: u32,
) -> (u32, Result<(), messenger_server::error::AppError>) {
    let runs = Arc::new(AtomicU32::new(0));
    let (channel, m_id, counted) = (channel.clone(), m_id.to_owned(), runs.clone());
    let answer = store
        .write(move |tx| {
            let run = counted.fetch_add(1, Ordering::SeqCst) + 1;
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
            tx.enqueue_job("conformance", &m_id, workspace::now())?;
            if run <= fail_runs {
                return Err(
                    StoreError::Retryable("could not serialize access (in a test)".into()).into(),
                );
            }
            Ok(())
        })
        .await;
    (runs.load(Ordering::SeqCst), answer)
}

/// (messages with the text of `m_id`, events mentioning it, jobs with this payload).
pub async fn traces(
    store: &Arc<dyn Store>,
    channel: &ChannelRecord,
    m_id: &str,
) -> (usize, usize, usize) {
    let (channel, m_id) = (channel.id.clone(), m_id.to_owned());
    store
        .read(move |tx| {
            let text = format!("Hello ({m_id})");
            let messages = match tx.contact_by_identity(&channel, "+1")? {
                Some(c) => tx
                    .messages_of(&c.id)?
                    .into_iter()
                    .filter(|m| m.direction == Direction::Incoming && m.text == text)
                    .count(),
                None => 0,
            };
            let events = tx
                .events_after(0, 100_000)?
                .iter()
                .filter(|e| e.kind == "message.upserted" && e.data.contains(&text))
                .count();
            let jobs = tx
                .due_jobs(workspace::now(), 1000)?
                .iter()
                .filter(|j| j.payload == m_id)
                .count();
            Ok((messages, events, jobs))
        })
        .await
        .unwrap()
}

pub async fn a_transaction_that_met_a_concurrent_one_runs_again_and_commits_once(bed: Bed) {
    let store = bed.handle(0);
    let channel = workspace::channel(&store).await;
    workspace::contact(&store, &channel, "+1").await;

    let (runs, answer) = store_failing(&store, &channel, "m-retried", 1).await;
    answer.unwrap_or_else(|e| panic!("{}: the second run should commit: {e:?}", bed.store));
    assert_eq!(runs, 2, "{}: runs of the transaction", bed.store);
    assert_eq!(
        traces(&store, &channel, "m-retried").await,
        (1, 1, 1),
        "{}: (messages, events, jobs) after one failed and one good run",
        bed.store
    );
}

pub async fn a_transaction_that_never_gets_through_gives_up_leaving_nothing(bed: Bed) {
    let store = bed.handle(0);
    let channel = workspace::channel(&store).await;
    workspace::contact(&store, &channel, "+1").await;

    let (runs, answer) = store_failing(&store, &channel, "m-hopeless", u32::MAX).await;
    let err = answer.expect_err("a transaction that always fails fails");
    assert!(
        err.is_retryable(),
        "{}: the answer says why: {err:?}",
        bed.store
    );
    assert!(
        (2..=20).contains(&runs),
        "{}: a few runs before giving up, not {runs}",
        bed.store
    );
    assert_eq!(
        traces(&store, &channel, "m-hopeless").await,
        (0, 0, 0),
        "{}: (messages, events, jobs) of a transaction that never committed",
        bed.store
    );
}
