//! Activity status from live connections. Users choose online or busy; a user with no live
//! event stream for the workspace's `offline_after_minutes` is set offline by the server, and
//! gets their chosen status back when a stream connects again. Presence is per server process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use messenger_protocol::{Timestamp, UserId, UserStatus};
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::domain::users;
use crate::error::AppResult;

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
}

/// A stream opened: the user is present (and back from offline, if they were).
pub async fn connected(state: &AppState, user: &UserId) -> AppResult<()> {
    state
        .presence
        .entries()
        .entry(user.clone())
        .or_default()
        .connections += 1;
    let (id, now) = (user.clone(), state.clock.now());
    state
        .store
        .write(move |tx| users::set_presence(tx, &id, true, now))
        .await
}

/// A stream ended.
pub fn disconnected(state: &AppState, user: &UserId) {
    let now = state.clock.now();
    let mut entries = state.presence.entries();
    let e = entries.entry(user.clone()).or_default();
    e.connections = e.connections.saturating_sub(1);
    if e.connections == 0 {
        e.left_at = Some(now);
    }
}

/// Sets offline every user away for longer than the timeout; returns them.
pub async fn sweep(state: &AppState) -> AppResult<Vec<UserId>> {
    let now = state.clock.now();
    let (all, settings) = state
        .store
        .read(|tx| Ok((tx.users()?, tx.settings()?)))
        .await?;
    let timeout_ms = i64::from(settings.offline_after_minutes) * 60_000;
    let gone: Vec<UserId> = all
        .into_iter()
        .filter(|u| u.active && u.status != UserStatus::Offline)
        .filter(|u| {
            state
                .presence
                .away_since(&u.id)
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
