//! The log follower: one per instance, it publishes committed events to the local
//! subscribers (streams, reports, the job runner) in seq order, with no gap and no repeat,
//! whichever instance wrote them.
//!
//! The log is the truth and notifications only wake the follower: a `NOTIFY messenger_log`
//! (payload: the commit's highest seq) from any instance, this instance's own writers handing
//! over what they committed (published without reading them back), the LISTEN connection
//! coming back after a drop, or a poll every second as the safety net. Because seqs become
//! visible in commit order (see `events::write_pending`), reading `seq > published` always
//! returns a gap-free continuation.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deadpool_postgres::Pool;
use futures::StreamExt;
use messenger_protocol::Seq;
use tokio::sync::{Notify, broadcast, mpsc, watch};
use tokio_postgres::{AsyncMessage, Config};
use tokio_util::sync::CancellationToken;

use super::connection;
use super::events::{EVENT_COLUMNS, JOBS_CHANNEL, LOG_CHANNEL, event_row};
use crate::store::{Committed, LogEvent, StoreError};

/// Events read from the log per round trip.
const PAGE: i64 = 1000;
/// The safety-net poll.
const POLL: Duration = Duration::from_secs(1);
/// How long a writer's answer waits for its events to be published before going anyway.
const PUBLISH_WAIT: Duration = Duration::from_secs(5);

pub struct Follower {
    /// Events this instance's writers committed and the follower has not published yet.
    local: Mutex<BTreeMap<Seq, Arc<LogEvent>>>,
    wake: Notify,
    published: watch::Sender<Seq>,
    commits: broadcast::Sender<Committed>,
}

/// What the LISTEN connection hears.
enum Heard {
    /// A commit on some instance, with its highest seq.
    Log(Seq),
    Jobs,
    /// (Re)connected: anything may have been missed while away.
    Listening,
}

impl Follower {
    /// A follower that publishes what commits after `head`.
    pub fn new(head: Seq, commits: broadcast::Sender<Committed>) -> Self {
        Self {
            local: Mutex::new(BTreeMap::new()),
            wake: Notify::new(),
            published: watch::Sender::new(head),
            commits,
        }
    }

    /// Hands over events a writer of this instance has just committed.
    pub fn committed(&self, events: Vec<LogEvent>) {
        {
            let mut local = self.local.lock().unwrap_or_else(|e| e.into_inner());
            for e in events {
                local.insert(e.seq, Arc::new(e));
            }
        }
        self.wake.notify_one();
    }

    /// Waits until everything up to `seq` was published (a caller hears "done" only after
    /// its events reached the subscribers, as with SQLite).
    pub async fn published_up_to(&self, seq: Seq) {
        let mut rx = self.published.subscribe();
        let _ = tokio::time::timeout(PUBLISH_WAIT, rx.wait_for(|s| *s >= seq)).await;
    }

    pub async fn run(self: Arc<Self>, pool: Pool, config: Config, stop: CancellationToken) {
        let (heard_tx, mut heard) = mpsc::channel(1024);
        tokio::spawn(listen(config, heard_tx, stop.clone()));
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut head_hint: Seq = *self.published.borrow();
        loop {
            let mut read_log = false;
            tokio::select! {
                () = stop.cancelled() => return,
                () = self.wake.notified() => {}
                note = heard.recv() => match note {
                    Some(Heard::Log(seq)) => head_hint = head_hint.max(seq),
                    Some(Heard::Jobs) => {
                        let _ = self.commits.send(Committed::JobsEnqueued);
                    }
                    Some(Heard::Listening) => read_log = true,
                    None => return,
                },
                _ = tick.tick() => read_log = true,
            }
            if let Err(e) = self.catch_up(&pool, head_hint, read_log).await {
                tracing::warn!(error = %e, "reading the event log failed; retrying");
            }
        }
    }

    /// Publishes everything known to have committed: this instance's own events while they
    /// continue the log, else pages read from the log, until `head_hint` (or, when
    /// `read_log`, the log's end) is reached.
    async fn catch_up(
        &self,
        pool: &Pool,
        head_hint: Seq,
        mut read_log: bool,
    ) -> Result<(), StoreError> {
        let mut published = *self.published.borrow();
        loop {
            let (run, local_max) = {
                let mut local = self.local.lock().unwrap_or_else(|e| e.into_inner());
                while let Some(entry) = local.first_entry() {
                    if *entry.key() > published {
                        break;
                    }
                    entry.remove();
                }
                let mut run = Vec::new();
                while let Some(e) = local.remove(&(published + 1 + run.len() as Seq)) {
                    run.push(e);
                }
                (run, local.last_key_value().map(|(k, _)| *k))
            };
            if let Some(last) = run.last() {
                published = last.seq;
                self.publish(run, published);
                continue;
            }
            let behind = head_hint.max(local_max.unwrap_or(0)) > published;
            if !behind && !read_log {
                return Ok(());
            }
            read_log = false;
            let page = read_after(pool, published).await?;
            let Some(last) = page.last() else {
                // Nothing committed beyond `published` yet (a hint from a commit that the
                // page's snapshot did not see cannot be: it committed before notifying).
                return Ok(());
            };
            published = last.seq;
            let full = page.len() as i64 == PAGE;
            self.publish(page.into_iter().map(Arc::new).collect(), published);
            read_log |= full;
        }
    }

    fn publish(&self, events: Vec<Arc<LogEvent>>, upto: Seq) {
        let _ = self.commits.send(Committed::Events(events));
        self.published.send_replace(upto);
    }
}

async fn read_after(pool: &Pool, since: Seq) -> Result<Vec<LogEvent>, StoreError> {
    let client = pool
        .get()
        .await
        .map_err(|e| StoreError::backend(format!("no database connection: {e}")))?;
    let stmt = client
        .prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .await
        .map_err(super::convert::backend)?;
    client
        .query(&stmt, &[&since, &PAGE])
        .await
        .map_err(super::convert::backend)?
        .iter()
        .map(event_row)
        .collect()
}

/// Keeps one LISTEN connection open, reconnecting after a drop, and forwards what it hears.
async fn listen(config: Config, heard: mpsc::Sender<Heard>, stop: CancellationToken) {
    let mut backoff = Duration::from_millis(100);
    while !stop.is_cancelled() {
        match listen_once(&config, &heard, &stop).await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(e) => {
                tracing::warn!(error = %e, "the LISTEN connection failed; reconnecting");
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(backoff) => {}
        }
    }
}

async fn listen_once(
    config: &Config,
    heard: &mpsc::Sender<Heard>,
    stop: &CancellationToken,
) -> Result<(), StoreError> {
    let (client, mut conn) = connection::connect(config).await?;
    let (notes_tx, mut notes) = mpsc::unbounded_channel();
    // The connection delivers notifications only while it is polled, so it runs on its own.
    let driver = tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| conn.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if notes_tx.send(n).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the LISTEN connection dropped");
                    return;
                }
            }
        }
    });
    let result = async {
        client
            .batch_execute(&format!("LISTEN {LOG_CHANNEL}; LISTEN {JOBS_CHANNEL}"))
            .await
            .map_err(super::convert::backend)?;
        let _ = heard.send(Heard::Listening).await;
        loop {
            tokio::select! {
                () = stop.cancelled() => return Ok(()),
                note = notes.recv() => {
                    let Some(note) = note else {
                        return Err(StoreError::backend("the LISTEN connection closed"));
                    };
                    let what = if note.channel() == JOBS_CHANNEL {
                        Heard::Jobs
                    } else {
                        Heard::Log(note.payload().parse().unwrap_or(0))
                    };
                    if heard.send(what).await.is_err() {
                        return Ok(());
                    }
                }
            }
        }
    }
    .await;
    driver.abort();
    result
}
