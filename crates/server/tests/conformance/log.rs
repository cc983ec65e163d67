//! The event log: seqs are given in commit order with no gaps, under concurrent writers on
//! every handle (some of whose transactions roll back after appending), so a reader that
//! applied everything up to `S` and asks for `since=S` never misses an event that commits
//! later; and every commit is published in seq order.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use messenger_protocol::custom_channel::ChannelMessage;
use messenger_protocol::{MessageId, Seq};
use messenger_server::domain::inbound;
use messenger_server::error::AppError;
use messenger_server::store::{ChannelRecord, Committed, Store};

use super::bed::Bed;
use super::workspace::{self, at_once};

const WRITERS: usize = 8;
const MESSAGES_EACH: usize = 20;
const CONTACTS: usize = 4;

async fn last_seq(store: &Arc<dyn Store>) -> Seq {
    store.read(|tx| Ok(tx.last_seq()?)).await.unwrap()
}

/// `WRITERS` writers, spread over the handles, each storing `MESSAGES_EACH` inbound messages
/// for a few shared contacts (so they contend for the same rows), and every few messages a
/// transaction that writes one and then fails (its seqs must not leave a hole); the ids stored.
async fn burst(bed: &Bed) -> Vec<MessageId> {
    let store = bed.handle(0);
    let channel = workspace::channel(&store).await;
    for c in 0..CONTACTS {
        workspace::contact(&store, &channel, &format!("+{c}")).await;
    }
    let stored = at_once(bed, WRITERS, move |w, store| {
        let channel = channel.clone();
        async move {
            let mut ids = Vec::new();
            for j in 0..MESSAGES_EACH {
                let contact = format!("+{}", (w + j) % CONTACTS);
                let (message, _) =
                    workspace::contact_writes(&store, &channel, &contact, &format!("w{w}-{j}"))
                        .await
                        .unwrap_or_else(|e| panic!("writer {w}, message {j}: {e}"))
                        .expect("a new mId is stored");
                ids.push(message.id);
                if j % 4 == 3 {
                    rolled_back(&store, &channel, &contact, &format!("w{w}-{j}-undone")).await;
                }
            }
            ids
        }
    })
    .await;
    stored.into_iter().flatten().collect()
}

/// A transaction that stores a message, then fails: nothing of it may stay.
async fn rolled_back(store: &Arc<dyn Store>, channel: &ChannelRecord, contact: &str, m_id: &str) {
    let (channel, contact, m_id) = (channel.clone(), contact.to_owned(), m_id.to_owned());
    let err = store
        .write(move |tx| {
            let text = ChannelMessage::Text { text: m_id.clone() };
            inbound::receive_message(
                tx,
                &channel,
                &contact,
                None,
                inbound::Delivered::new(&m_id, &text),
                workspace::now(),
            )?;
            Err::<(), _>(AppError::invalid("the writer changed its mind"))
        })
        .await
        .expect_err("the write fails");
    assert_eq!(err.message, "the writer changed its mind");
}

pub async fn seqs_commit_in_order_without_gaps_under_concurrent_writers(bed: Bed) {
    let follower = bed.handle(0);
    let start = last_seq(&follower).await;
    let done = Arc::new(AtomicBool::new(false));
    // Follows the log while the writers write, as /sync and the stream do.
    let following = {
        let (follower, done, store) = (follower.clone(), done.clone(), bed.store);
        tokio::spawn(async move {
            let mut since = start;
            let mut seen = Vec::new();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let page = follower
                    .read(move |tx| Ok(tx.events_after(since, 500)?))
                    .await
                    .unwrap();
                for e in &page {
                    assert_eq!(
                        e.seq,
                        since + 1,
                        "{store}: a reader at seq {since} was given seq {} next: the log has a \
                         gap there, or an event with a smaller seq commits later and this \
                         reader would never see it",
                        e.seq
                    );
                    since = e.seq;
                    seen.push(e.clone());
                }
                if finished && page.is_empty() {
                    return seen;
                }
                if page.is_empty() {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
        })
    };
    let stored = burst(&bed).await;
    done.store(true, Ordering::SeqCst);
    let seen = following.await.unwrap();

    let all = follower
        .read(move |tx| Ok(tx.events_after(start, 100_000)?))
        .await
        .unwrap();
    let seqs = |events: &[messenger_server::store::LogEvent]| -> Vec<Seq> {
        events.iter().map(|e| e.seq).collect()
    };
    assert_eq!(
        seqs(&seen),
        seqs(&all),
        "{}: what the follower saw while the writers wrote is not the log as it stands after",
        bed.store
    );
    let logged: BTreeSet<String> = all
        .iter()
        .filter(|e| e.kind == "message.upserted")
        .filter_map(|e| {
            let data: serde_json::Value = serde_json::from_str(&e.data).ok()?;
            data["id"].as_str().map(str::to_owned)
        })
        .collect();
    assert_eq!(stored.len(), WRITERS * MESSAGES_EACH);
    let missing: Vec<&MessageId> = stored
        .iter()
        .filter(|id| !logged.contains(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{}: stored messages without a message.upserted event: {missing:?}",
        bed.store
    );
    let undone: Vec<&str> = all
        .iter()
        .filter(|e| e.data.contains("-undone"))
        .map(|e| e.kind.as_str())
        .collect();
    assert!(
        undone.is_empty(),
        "{}: {} events of rolled-back transactions are in the log: {:?}",
        bed.store,
        undone.len(),
        &undone[..undone.len().min(10)]
    );
}

pub async fn every_commit_is_published_in_seq_order(bed: Bed) {
    let mut feeds: Vec<_> = (0..bed.handles())
        .map(|i| bed.handle(i).subscribe())
        .collect();
    let start = last_seq(&bed.handle(0)).await;
    burst(&bed).await;
    let end = last_seq(&bed.handle(0)).await;
    let expected: BTreeSet<Seq> = (start + 1..=end).collect();

    // A store that follows the shared log publishes other instances' commits too, a moment
    // later; wait until every seq was published by some handle.
    let mut published = BTreeSet::new();
    let mut last_of_feed = vec![start; feeds.len()];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !expected.is_subset(&published) && tokio::time::Instant::now() < deadline {
        for (i, feed) in feeds.iter_mut().enumerate() {
            while let Ok(next) = feed.try_recv() {
                let Committed::Events(events) = next else {
                    continue;
                };
                for e in events {
                    assert!(
                        e.seq > last_of_feed[i],
                        "{}: handle {i} published seq {} after seq {}",
                        bed.store,
                        e.seq,
                        last_of_feed[i]
                    );
                    last_of_feed[i] = e.seq;
                    published.insert(e.seq);
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let unpublished: Vec<&Seq> = expected.difference(&published).collect();
    assert!(
        unpublished.is_empty(),
        "{}: {} of {} committed events were never published: {:?}",
        bed.store,
        unpublished.len(),
        expected.len(),
        &unpublished[..unpublished.len().min(10)]
    );
}
