//! Activity status from live connections. Users choose online or busy; a user with no live
//! event stream for the workspace's `offline_after_minutes` is set offline by the server, and
//! gets their chosen status back when a stream connects again. Each instance counts its own
//! streams and writes the counts to the store, with a heartbeat; the sweep judges a user by the
//! rows of every instance, so a user connected only to another instance stays online. The rows
//! of an instance that stopped heart-beating (it died) count as ended at its last heartbeat.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use messenger_protocol::{Timestamp, UserId, UserStatus};
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::domain::users;
use crate::error::AppResult;
use crate::store::StreamPresenceRecord;

#[derive(Default)]
struct Entry {
    connections: u32,
    /// When the last connection ended.
    left_at: Option<Timestamp>,
}

pub struct Presence {
    entries: Mutex<HashMap<UserId, Entry>>,
    /// Users never seen since the start count as away from then.
    started: Timestamp,
}

impl Presence {
    pub fn new(started: Timestamp) -> Self {
        Self {
            entries: Mutex::default(),
            started,
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Since when the user has had no live connection (`None` while connected).
    pub fn away_since(&self, user: &UserId) -> Option<Timestamp> {
        match self.entries().get(user) {
            Some(e) if e.connections > 0 => None,
            Some(e) => Some(e.left_at.unwrap_or(self.started)),
            None => Some(self.started),
        }
    }

    pub fn is_connected(&self, user: &UserId) -> bool {
        self.away_since(user).is_none()
    }

    fn record(&self, instance: &str, user: &UserId, now: Timestamp) -> StreamPresenceRecord {
        let entries = self.entries();
        let entry = entries.get(user);
        StreamPresenceRecord {
            instance_id: instance.to_owned(),
            user_id: user.clone(),
            connections: entry.map_or(0, |e| e.connections),
            left_at: entry.and_then(|e| e.left_at),
            heartbeat_at: now,
        }
    }
}

/// Heartbeats older than this mean the instance is gone (three missed sweeps).
const STALE_AFTER_MS: i64 = 45_000;

/// Since when `user` has had no live stream on any instance (`None` while connected), from
/// every instance's rows; `started` stands in for a user never seen.
fn away_since_everywhere(
    rows: &[StreamPresenceRecord],
    user: &UserId,
    now: Timestamp,
    started: Timestamp,
) -> Option<Timestamp> {
    let mut last_seen: Option<Timestamp> = None;
    for row in rows.iter().filter(|r| &r.user_id == user) {
        let alive = now.millis() - row.heartbeat_at.millis() < STALE_AFTER_MS;
        let ended = if row.connections > 0 {
            if alive {
                return None;
            }
            Some(row.heartbeat_at)
        } else {
            row.left_at
        };
        last_seen = last_seen.max(ended);
    }
    Some(last_seen.unwrap_or(started))
}

/// Writes this instance's count of the user's streams to the store.
async fn share(state: &AppState, user: &UserId) -> AppResult<()> {
    let record = state
        .presence
        .record(&state.instance_id, user, state.clock.now());
    state
        .store
        .write(move |tx| Ok(tx.put_stream_presence(&record)?))
        .await
}

/// A stream opened: the user is present (and back from offline, if they were).
pub async fn connected(state: &AppState, user: &UserId) -> AppResult<()> {
    state
        .presence
        .entries()
        .entry(user.clone())
        .or_default()
        .connections += 1;
    share(state, user).await?;
    let (id, now) = (user.clone(), state.clock.now());
    state
        .store
        .write(move |tx| users::set_presence(tx, &id, true, now))
        .await
}

/// A stream ended.
pub async fn disconnected(state: &AppState, user: &UserId) {
    let now = state.clock.now();
    {
        let mut entries = state.presence.entries();
        let e = entries.entry(user.clone()).or_default();
        e.connections = e.connections.saturating_sub(1);
        if e.connections == 0 {
            e.left_at = Some(now);
        }
    }
    if let Err(e) = share(state, user).await {
        tracing::error!(error = %e, "cannot record that a stream ended");
    }
}

/// Sets offline every user away for longer than the timeout; returns them.
pub async fn sweep(state: &AppState) -> AppResult<Vec<UserId>> {
    let now = state.clock.now();
    let instance = state.instance_id.clone();
    // This instance's heartbeat first: its own rows are fresh whatever the clock did.
    let (all, settings, rows) = state
        .store
        .write(move |tx| {
            tx.heartbeat_instance(&instance, now)?;
            Ok((tx.users()?, tx.settings()?, tx.stream_presence()?))
        })
        .await?;
    let started = state.presence.started;
    let timeout_ms = i64::from(settings.offline_after_minutes) * 60_000;
    let gone: Vec<UserId> = all
        .into_iter()
        .filter(|u| u.active && u.status != UserStatus::Offline)
        .filter(|u| {
            away_since_everywhere(&rows, &u.id, now, started)
                .is_some_and(|since| now.millis() - since.millis() >= timeout_ms)
        })
        .map(|u| u.id)
        .collect();
    for id in &gone {
        let id = id.clone();
        state
            .store
            .write(move |tx| users::set_presence(tx, &id, false, now))
            .await?;
    }
    Ok(gone)
}

/// Sweeps every 15 seconds.
pub fn spawn_sweeper(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(15));
        loop {
            tick.tick().await;
            if let Err(e) = sweep(&state).await {
                tracing::error!(error = %e, "the presence sweep failed");
            }
        }
    })
}
