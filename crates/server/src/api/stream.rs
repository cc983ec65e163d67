//! `GET /stream?since=` (WebSocket): the backlog after `since`, then live events, one event per
//! text frame, filtered for the reader as `/sync` is.
//!
//! No gap and no duplicate at the switch-over: the connection subscribes to commits *before*
//! reading the backlog, so every later event is either in the backlog or in the feed, and
//! events at or below the last one sent are skipped. Pings go out every heartbeat; a peer that
//! stays silent for three is dropped. A reader too slow for the feed is closed with code 4008
//! and told where to resume, rather than buffered without bound.
//!
//! One commit reaches every connected stream, so a frame is built once per event and shared
//! (`LogEvent::shared_frame`), and a stream that wakes to several waiting commits writes them
//! all before one flush: under load the batches grow instead of the queue.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use messenger_protocol::{ApiErrorBody, Seq, Settings, User, stream_close};
use serde::Deserialize;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::sync::check_cursor;
use super::{ApiQuery, read_as};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::auth::current_user::authenticate_hash;
use crate::domain::visibility::{self, LogView};
use crate::error::AppResult;
use crate::presence;
use crate::store::{Committed, LogEvent, Scope, UserRecord};

/// The application's close codes are shared with clients (`stream_close`); these are the
/// standard ones.
pub const CLOSE_SERVER_ERROR: u16 = 1011;
pub const CLOSE_GOING_AWAY: u16 = 1001;

const BACKLOG_PAGE: usize = 1000;
/// At most this many waiting commits are written before a flush, so the first of them is not
/// held back without bound.
const COALESCED_COMMITS: usize = 256;
/// How long a close frame, and the peer's answering close, may wait for a reader that stopped
/// reading to drain its socket.
const CLOSE_GRACE: Duration = Duration::from_secs(30);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// The highest seq the client has applied.
    since: Seq,
}

/// Upgrade to a WebSocket of events (`Authorization: Bearer` on the upgrade request).
#[utoipa::path(get, path = "/stream", tag = "sync", security(("bearer" = [])), params(StreamQuery),
    responses((status = 101, description = "WebSocket: one Event per text frame"), (status = 410, body = ApiErrorBody)))]
pub async fn stream(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<StreamQuery>,
    super::ApiUpgrade(ws): super::ApiUpgrade,
) -> AppResult<Response> {
    let since = q.since;
    // A cursor that cannot continue is an HTTP 410, before any upgrade.
    let token_hash = me.token_hash.clone();
    read_as(&state, me.clone(), move |tx, _| check_cursor(tx, since)).await?;
    Ok(ws.on_upgrade(move |socket| async move {
        let user_id = me.user.id.clone();
        if let Err(e) = presence::connected(&state, &user_id).await {
            tracing::warn!(error = %e, "cannot record the user as present");
        }
        let presence_state = state.clone();
        let mut conn = Connection {
            state,
            user: me.user,
            token_hash,
            settings: Settings::default(),
            scope: Scope::All,
            last_sent: since,
            delivered: since,
        };
        let reason = conn.run(socket).await;
        presence::disconnected(&presence_state, &user_id).await;
        tracing::debug!(user = %user_id, ?reason, "stream closed");
    }))
}

struct Connection {
    state: AppState,
    user: UserRecord,
    token_hash: String,
    settings: Settings,
    scope: Scope,
    /// The last event written to the socket (or passed over as withheld).
    last_sent: Seq,
    /// The last event of a completed flush: where a reader too slow to read resumes.
    delivered: Seq,
}

/// Why a stream ended.
#[derive(Debug)]
enum End {
    Closed(u16, String),
    PeerGone,
}

type Sink = futures::stream::SplitSink<WebSocket, Message>;

impl Connection {
    async fn run(&mut self, socket: WebSocket) -> End {
        let (mut sink, mut incoming) = socket.split();
        let end = self.serve(&mut sink, &mut incoming).await;
        if let End::Closed(code, reason) = &end {
            let frame = CloseFrame {
                code: *code,
                reason: Utf8Bytes::from(reason.clone()),
            };
            let _ = tokio::time::timeout(CLOSE_GRACE, async {
                if sink.send(Message::Close(Some(frame))).await.is_ok() {
                    // Wait for the peer's answering close: a socket closed with unread bytes
                    // (a pong sent while we stopped reading) is reset, and a reset discards the
                    // frames still on their way, the close frame with its resume point too.
                    while let Some(Ok(message)) = incoming.next().await {
                        if matches!(message, Message::Close(_)) {
                            break;
                        }
                    }
                }
            })
            .await;
        }
        end
    }

    async fn serve(
        &mut self,
        sink: &mut Sink,
        incoming: &mut futures::stream::SplitStream<WebSocket>,
    ) -> End {
        // Subscribe first: see the module comment.
        let mut live = self.state.store.subscribe();
        let mut session = self.state.session_ends.watch(
            &self.state,
            self.user.id.clone(),
            self.token_hash.clone(),
        );
        if let Err(end) = self.catch_up(sink, Seq::MAX).await {
            return end;
        }
        let heartbeat = self.state.config.heartbeat;
        let mut ping = tokio::time::interval(heartbeat);
        ping.tick().await;
        let mut heard = Instant::now();
        loop {
            tokio::select! {
                commit = live.recv() => {
                    if let Err(end) = self.forward(sink, &mut live, commit).await {
                        return end;
                    }
                }
                frame = incoming.next() => match frame {
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return End::PeerGone,
                    Some(Ok(_)) => heard = Instant::now(),
                },
                () = session.ended() => {
                    return End::Closed(stream_close::SIGNED_OUT, "the session ended; sign in again".into());
                }
                () = self.state.stopping.cancelled() => {
                    return End::Closed(CLOSE_GOING_AWAY, "the server is shutting down".into());
                }
                _ = ping.tick() => {
                    if heard.elapsed() > heartbeat * 3 {
                        return End::Closed(stream_close::NO_PONG, "no answer to pings".into());
                    }
                    if authenticate_hash(&self.state, self.token_hash.clone()).await.is_err() {
                        return End::Closed(stream_close::SIGNED_OUT, "the session ended; sign in again".into());
                    }
                    if let Err(end) = self.timed(sink.send(Message::Ping(Default::default()))).await {
                        return end;
                    }
                }
            }
        }
    }

    /// Writes a commit of the live feed and the commits waiting behind it (up to
    /// [`COALESCED_COMMITS`]), then flushes once.
    async fn forward(
        &mut self,
        sink: &mut Sink,
        live: &mut Receiver<Committed>,
        first: Result<Committed, RecvError>,
    ) -> Result<(), End> {
        let mut next = Some(first);
        let mut taken = 0;
        while let Some(commit) = next.take() {
            match commit {
                Ok(Committed::Events(events)) => {
                    for event in events {
                        if event.seq <= self.last_sent {
                            continue;
                        }
                        if event.seq > self.last_sent + 1 {
                            // Defensive: fill any hole from the log before going on.
                            self.catch_up(sink, event.seq - 1).await?;
                        }
                        self.follow(&event)?;
                        let frame = LogView::live(self.scope.clone()).frame(&event);
                        self.feed(sink, event.seq, frame).await?;
                    }
                }
                Ok(Committed::JobsEnqueued) => {}
                Err(RecvError::Lagged(_)) => {
                    return Err(End::Closed(
                        stream_close::LAGGED,
                        format!(
                            "too slow for the live feed; reconnect with since={}",
                            self.last_sent
                        ),
                    ));
                }
                Err(RecvError::Closed) => {
                    return Err(End::Closed(
                        CLOSE_GOING_AWAY,
                        "the server is shutting down".into(),
                    ));
                }
            }
            taken += 1;
            if taken < COALESCED_COMMITS {
                next = match live.try_recv() {
                    Ok(commit) => Some(Ok(commit)),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
                    Err(TryRecvError::Closed) => Some(Err(RecvError::Closed)),
                };
            }
        }
        self.flush(sink).await
    }

    /// Sends logged events after `last_sent`, up to `until`, as the reader sees them now: each
    /// page is read with the settings, the reader's role and the contacts' assignees of the
    /// same snapshot, never with settings replayed from older events.
    async fn catch_up(&mut self, sink: &mut Sink, until: Seq) -> Result<(), End> {
        loop {
            let since = self.last_sent;
            let user_id = self.user.id.clone();
            let read = self
                .state
                .store
                .read(move |tx| {
                    let Some(me) = tx.user(&user_id)?.filter(|u| u.active) else {
                        return Ok(None);
                    };
                    let settings = tx.settings()?;
                    let page = tx.events_after(since, BACKLOG_PAGE)?;
                    let scope = visibility::scope_for(&me.id, me.role, &settings);
                    let view = LogView::now(tx, scope, &page)?;
                    Ok(Some((settings, me, page, view)))
                })
                .await
                .map_err(|e| End::Closed(CLOSE_SERVER_ERROR, e.message))?;
            let Some((settings, me, page, view)) = read else {
                return Err(End::Closed(
                    stream_close::SIGNED_OUT,
                    "your account was removed".into(),
                ));
            };
            self.settings = settings;
            self.user.role = me.role;
            self.rescope();
            let full = page.len() == BACKLOG_PAGE;
            for event in page {
                if event.seq > until {
                    return self.flush(sink).await;
                }
                let frame = view.frame(&event);
                self.feed(sink, event.seq, frame).await?;
            }
            self.flush(sink).await?;
            if !full {
                return Ok(());
            }
        }
    }

    /// Writes a frame without flushing (or only moves past a withheld event).
    async fn feed(
        &mut self,
        sink: &mut Sink,
        seq: Seq,
        frame: Option<Utf8Bytes>,
    ) -> Result<(), End> {
        self.last_sent = seq;
        let Some(text) = frame else {
            return Ok(());
        };
        self.timed(sink.feed(Message::Text(text))).await
    }

    /// Sends what [`Connection::feed`] wrote.
    async fn flush(&mut self, sink: &mut Sink) -> Result<(), End> {
        if self.delivered == self.last_sent {
            return Ok(());
        }
        self.timed(sink.flush()).await?;
        self.delivered = self.last_sent;
        Ok(())
    }

    /// A write to the socket that a reader who stopped reading cannot hold up for longer than
    /// the stream's send timeout: they are told to resume after what was surely delivered.
    async fn timed(&self, write: impl Future<Output = Result<(), axum::Error>>) -> Result<(), End> {
        match tokio::time::timeout(self.state.config.stream_send_timeout, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::PeerGone),
            Err(_) => Err(End::Closed(
                stream_close::LAGGED,
                format!("too slow to read; reconnect with since={}", self.delivered),
            )),
        }
    }

    /// Live settings and the reader's own role decide visibility; both can change mid-stream.
    fn follow(&mut self, event: &LogEvent) -> Result<(), End> {
        match event.kind.as_str() {
            "settings.updated" => {
                if let Ok(s) = serde_json::from_str::<Settings>(&event.data) {
                    self.settings = s;
                    self.rescope();
                }
            }
            "user.upserted" => {
                if let Ok(u) = serde_json::from_str::<User>(&event.data)
                    && u.id == self.user.id
                {
                    if !u.active {
                        return Err(End::Closed(
                            stream_close::SIGNED_OUT,
                            "your account was removed".into(),
                        ));
                    }
                    self.user.role = u.role;
                    self.rescope();
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn rescope(&mut self) {
        self.scope = visibility::scope_for(&self.user.id, self.user.role, &self.settings);
    }
}
