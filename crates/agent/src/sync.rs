//! The sync engine: bootstrap from the snapshot, catch up with `/sync`, then follow the
//! WebSocket stream from the last applied seq, applying events in batches. It reconnects with
//! jittered backoff and resumes from the cache's `last_seq` (after a dropped socket, a sleep
//! or a restart) with no gap; a `410` re-bootstraps, keeping the outbox. Events are read one by
//! one ([`crate::event_reader`]): unknown types are passed over and counted, and a known type
//! that does not read stops the sync just before it, with the reason on screen.

use std::sync::Arc;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use messenger_protocol::{ErrorCode, Seq, Timestamp, stream_close};
use rand::Rng;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::account::Account;
use crate::cache::Applied;
use crate::error::{AgentError, AgentResult};
use crate::event_reader::ReadBatch;
use crate::view::SyncStatus;

const PAGE: u32 = 5000;
/// Most stream events applied in one transaction.
const STREAM_BATCH: usize = 500;
/// The server pings every 20 s; this long without any frame means the connection is dead.
const SILENCE_LIMIT: Duration = Duration::from_secs(65);

/// Jittered exponential backoff for reconnecting.
pub struct Backoff {
    next: Duration,
    min: Duration,
    max: Duration,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        Self {
            next: min,
            min,
            max,
        }
    }

    pub fn reset(&mut self) {
        self.next = self.min;
    }

    /// The next wait: the current step ±25 %, then double it up to the maximum.
    pub fn next_wait(&mut self) -> Duration {
        let d = self.next.mul_f64(rand::rng().random_range(0.75..1.25));
        self.next = (self.next * 2).min(self.max);
        d
    }
}

fn is_cursor_expired(e: &AgentError) -> bool {
    matches!(e, AgentError::Server { code, .. } if code == ErrorCode::CursorExpired.as_str())
}

/// Applies a batch and moves the cursor to `through` (at least), in one transaction.
async fn apply(account: &Arc<Account>, batch: ReadBatch, through: Seq) -> AgentResult<Applied> {
    if !batch.skipped_kinds.is_empty() {
        tracing::info!(count = batch.skipped, kinds = ?batch.skipped_kinds, "passed over events of types this version does not know");
    }
    let (cache, ctx) = (account.cache.clone(), account.apply_context());
    let through = through.max(batch.through);
    let skipped = batch.skipped;
    let applied = tokio::task::spawn_blocking(move || {
        cache.apply_through(&batch.events, through, skipped, &ctx)
    })
    .await
    .map_err(|e| AgentError::Cache(e.to_string()))??;
    if skipped > 0 {
        account.note_skipped_events();
    }
    Ok(applied)
}

/// Fetches the snapshot and replaces the cache's server state with it.
pub async fn bootstrap(account: &Arc<Account>) -> AgentResult<()> {
    let snapshot = account.client.snapshot().await?;
    let cache = account.cache.clone();
    tokio::task::spawn_blocking(move || cache.bootstrap(&snapshot))
        .await
        .map_err(|e| AgentError::Cache(e.to_string()))??;
    tracing::info!("bootstrapped from the server's snapshot");
    account.emit(crate::view::AgentEvent::WorkspaceChanged);
    account.emit(crate::view::AgentEvent::ContactsChanged { ids: Vec::new() });
    Ok(())
}

/// Applies everything after the cache's seq, page by page; returns how many events. The next
/// page downloads while the current one is applied.
pub async fn catch_up(account: &Arc<Account>) -> AgentResult<usize> {
    if account.cache.last_seq()?.is_none() {
        bootstrap(account).await?;
    }
    let mut total = 0;
    let start = account.cache.last_seq()?.unwrap_or(0);
    let fetch = |since: Seq| {
        let client = account.client.clone();
        tokio::spawn(async move { client.sync(since, PAGE).await })
    };
    let mut pending = fetch(start);
    loop {
        let (batch, unreadable, page) = match pending
            .await
            .map_err(|e| AgentError::Cache(e.to_string()))?
        {
            Ok(p) => p.read(),
            Err(e) if is_cursor_expired(&e) => {
                tracing::warn!(error = %e, "the server no longer has our place in the log; starting again from its snapshot");
                bootstrap(account).await?;
                pending = fetch(account.cache.last_seq()?.unwrap_or(0));
                continue;
            }
            Err(e) => return Err(e),
        };
        let more = page.has_more;
        if more {
            pending = fetch(page.next_seq);
        } else {
            // Nothing left to fetch; a finished placeholder keeps the loop's shape.
            pending = tokio::spawn(async { Err(AgentError::Invalid(String::new())) });
        }
        let count = batch.len();
        if let Some(error) = unreadable {
            // Keep what read, and the cursor just before the event that did not.
            let applied = apply(account, batch, 0).await?;
            account.after_apply(applied);
            return Err(error);
        }
        // Withheld events still move the cursor.
        let applied = apply(account, batch, page.next_seq).await?;
        total += count;
        account.after_apply(applied);
        if !more {
            return Ok(total);
        }
        let span = (page.head_seq - start).max(1) as f32;
        let progress = ((page.next_seq - start) as f32 / span).clamp(0.0, 1.0);
        account.set_state(SyncStatus::CatchingUp, Some(progress), None, None);
    }
}

/// Runs until the account stops: connect, catch up, follow; reconnect on failure.
pub async fn run(account: Arc<Account>) {
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    let mut offline_since: Option<Timestamp> = None;
    while !account.stopping() {
        // Offline or stopped, the state stays on screen while retrying.
        let stopped = account.sync_state().status == SyncStatus::Stopped;
        if offline_since.is_none() && !stopped {
            account.set_state(SyncStatus::Connecting, None, None, None);
        }
        match follow(&account, &mut backoff, &mut offline_since).await {
            Ok(()) => {}
            Err(e @ AgentError::UnreadableEvent { .. }) => {
                tracing::error!(error = %e, "sync stopped before an event it cannot read");
                offline_since = None;
                account.set_state(SyncStatus::Stopped, None, Some(e.to_string()), None);
            }
            Err(e) if e.is_auth_failure() => {
                tracing::warn!(error = %e, "the server ended this session");
                account.set_state(SyncStatus::SignedOut, None, Some(e.to_string()), None);
                account.emit(crate::view::AgentEvent::SignedOut);
                return;
            }
            Err(e) => {
                let since = *offline_since.get_or_insert_with(Timestamp::now);
                tracing::info!(error = %e, "offline; will retry");
                account.set_state(SyncStatus::Offline, None, Some(e.to_string()), Some(since));
            }
        }
        let wait = backoff.next_wait();
        let status = account.sync_state().status;
        if matches!(status, SyncStatus::Offline | SyncStatus::Stopped) {
            let wait_ms = i64::try_from(wait.as_millis()).unwrap_or(0);
            account.set_retry_at(Timestamp::from_millis(Timestamp::now().millis() + wait_ms));
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = account.sync_nudge.notified() => backoff.reset(),
        }
        account.set_retry_at(None);
    }
}

async fn follow(
    account: &Arc<Account>,
    backoff: &mut Backoff,
    offline_since: &mut Option<Timestamp>,
) -> AgentResult<()> {
    catch_up(account).await?;
    let since = account.cache.last_seq()?.unwrap_or(0);
    let mut request = account
        .client
        .stream_url(since)
        .into_client_request()
        .map_err(|e| AgentError::Invalid(format!("bad stream URL: {e}")))?;
    let token = account.client.token().unwrap_or_default().to_owned();
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {token}")
            .parse()
            .map_err(|_| AgentError::Invalid("bad token".into()))?,
    );
    let (mut ws, _) = match tokio_tungstenite::connect_async(request).await {
        Ok(ok) => ok,
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            let status = res.status().as_u16();
            let body = res
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            let err = AgentError::from_answer(status, &body).unwrap_or(AgentError::Server {
                status,
                code: "http".into(),
                message: format!("HTTP {status}"),
                may_pass_later: None,
            });
            if is_cursor_expired(&err) {
                bootstrap(account).await?;
                return Ok(());
            }
            return Err(err);
        }
        Err(e) => {
            return Err(AgentError::Unreachable {
                server: account.session.server_url.clone(),
                reason: e.to_string(),
            });
        }
    };
    account.set_state(SyncStatus::Online, None, None, None);
    *offline_since = None;
    backoff.reset();
    // Back online: what waited for the network goes now, not at its next retry time.
    account.cache.outbox_wake_all(Timestamp::now())?;
    account.outbox_nudge.notify_one();
    let mut batch = ReadBatch::default();
    loop {
        let frame = tokio::select! {
            f = tokio::time::timeout(SILENCE_LIMIT, ws.next()) => f,
            () = account.sync_nudge.notified() => continue,
        };
        let frame = match frame {
            Err(_) => {
                return Err(AgentError::Unreachable {
                    server: account.session.server_url.clone(),
                    reason: "the server went silent".into(),
                });
            }
            Ok(None) => {
                return Err(AgentError::Unreachable {
                    server: account.session.server_url.clone(),
                    reason: "the connection closed".into(),
                });
            }
            Ok(Some(Err(e))) => {
                return Err(AgentError::Unreachable {
                    server: account.session.server_url.clone(),
                    reason: e.to_string(),
                });
            }
            Ok(Some(Ok(f))) => f,
        };
        let mut next = Some(frame);
        // Take whatever else has already arrived, to apply it in one transaction.
        while let Some(f) = next.take() {
            match f {
                WsMessage::Text(text) => {
                    if let Err(error) = batch.push(&text) {
                        // What came before it is kept; the cursor stays just before it.
                        let applied = apply(account, std::mem::take(&mut batch), 0).await?;
                        account.after_apply(applied);
                        return Err(error);
                    }
                }
                WsMessage::Close(frame) => {
                    if !batch.is_empty() {
                        let applied = apply(account, std::mem::take(&mut batch), 0).await?;
                        account.after_apply(applied);
                    }
                    let (code, reason) = frame
                        .map(|f| (f.code, f.reason.to_string()))
                        .unwrap_or((CloseCode::Normal, String::new()));
                    match u16::from(code) {
                        stream_close::SIGNED_OUT => {
                            return Err(AgentError::Server {
                                status: 401,
                                code: ErrorCode::Unauthenticated.as_str().into(),
                                message: reason,
                                may_pass_later: None,
                            });
                        }
                        // Too slow for the feed (a long sleep, a busy disk): the applied seq is
                        // where to resume, at once.
                        stream_close::LAGGED => {
                            tracing::info!(%reason, "the stream left us behind; resuming");
                            return Ok(());
                        }
                        _ => {}
                    }
                    return Err(AgentError::Unreachable {
                        server: account.session.server_url.clone(),
                        reason: format!("the server closed the stream ({reason})"),
                    });
                }
                _ => {}
            }
            if batch.len() < STREAM_BATCH {
                next = ws.next().now_or_never().flatten().and_then(Result::ok);
            }
        }
        if !batch.is_empty() {
            let applied = apply(account, std::mem::take(&mut batch), 0).await?;
            account.after_apply(applied);
        }
    }
}

/// The seq the cache has reached (for the command line).
pub fn position(account: &Account) -> AgentResult<Seq> {
    Ok(account.cache.last_seq()?.unwrap_or(0))
}
