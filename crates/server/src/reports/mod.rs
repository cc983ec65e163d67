//! Conversation reports, computed from the recorded reporting facts (one row per conversation,
//! written with the change it records). The facts are also held in memory, compactly and
//! indexed by conversation id, so a report over a million conversations is one pass over a
//! flat array rather than a database scan; the copy follows every commit and a report waits
//! until it has caught up with what was committed before the request.

mod compute;

use std::sync::{Mutex, RwLock};
use std::time::Duration;

use messenger_protocol::{ConversationId, Seq};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::error::AppResult;
use crate::store::{Committed, ConversationFact, Store};
pub use compute::{ReportQuery, compute};

/// A fact in 36 bytes: times in milliseconds (`NONE` when absent), users as numeric ids (0 =
/// nobody).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompactFact {
    pub opened_at: i64,
    pub first_response_at: i64,
    pub closed_at: i64,
    pub opened_assignee: u32,
    pub responder: u32,
    pub resolver: u32,
}

pub const NONE: i64 = i64::MIN;

fn user_num(id: Option<&messenger_protocol::UserId>) -> u32 {
    id.and_then(|u| u.as_str().parse::<u32>().ok()).unwrap_or(0)
}

impl From<&ConversationFact> for CompactFact {
    fn from(f: &ConversationFact) -> Self {
        Self {
            opened_at: f.opened_at.millis(),
            first_response_at: f.first_response_at.map_or(NONE, |t| t.millis()),
            closed_at: f.closed_at.map_or(NONE, |t| t.millis()),
            opened_assignee: user_num(f.opened_assignee.as_ref()),
            responder: user_num(f.responder_id.as_ref()),
            resolver: user_num(f.resolver_id.as_ref()),
        }
    }
}

pub struct ReportIndex {
    /// Indexed by conversation id (ids are dense integers).
    facts: RwLock<Vec<Option<CompactFact>>>,
    applied: watch::Sender<Seq>,
    loading: Mutex<()>,
}

impl ReportIndex {
    /// Loads every fact from the store.
    pub async fn load(store: &dyn Store) -> AppResult<Self> {
        let seq = store.read(|tx| Ok(tx.last_seq()?)).await?;
        let index = Self {
            facts: RwLock::new(Vec::new()),
            applied: watch::channel(seq).0,
            loading: Mutex::new(()),
        };
        let mut after = 0i64;
        loop {
            let page = store
                .read(move |tx| Ok(tx.facts_after(after, 20_000)?))
                .await?;
            let Some(last) = page.last() else { break };
            after = last.conversation_id.as_str().parse().unwrap_or(i64::MAX);
            index.apply(&page);
        }
        Ok(index)
    }

    fn apply(&self, facts: &[ConversationFact]) {
        let _guard = self.loading.lock().unwrap_or_else(|e| e.into_inner());
        let mut all = self.facts.write().unwrap_or_else(|e| e.into_inner());
        for f in facts {
            let Ok(i) = f.conversation_id.as_str().parse::<usize>() else {
                continue;
            };
            if all.len() <= i {
                all.resize(i + 1, None);
            }
            all[i] = Some(CompactFact::from(f));
        }
    }

    /// Reads the facts for a report.
    pub fn with_facts<T>(&self, f: impl FnOnce(&[Option<CompactFact>]) -> T) -> T {
        f(&self.facts.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Waits (at most a few seconds) until commits up to `seq` are applied.
    pub async fn caught_up(&self, seq: Seq) {
        let mut rx = self.applied.subscribe();
        let _ = tokio::time::timeout(Duration::from_secs(5), rx.wait_for(|s| *s >= seq)).await;
    }
}

/// Follows commits: the facts of every conversation an event touched are read again.
pub fn spawn_follower(state: AppState) -> JoinHandle<()> {
    let mut commits = state.store.subscribe();
    tokio::spawn(async move {
        loop {
            match commits.recv().await {
                Ok(Committed::Events(events)) => {
                    let ids: Vec<ConversationId> = events
                        .iter()
                        .filter(|e| e.kind == "conversation.upserted")
                        .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.data).ok())
                        .filter_map(|v| v["id"].as_str().map(ConversationId::from))
                        .collect();
                    let last = events.last().map(|e| e.seq).unwrap_or(0);
                    if !ids.is_empty() {
                        match state.store.read(move |tx| Ok(tx.facts_of(&ids)?)).await {
                            Ok(facts) => state.reports.apply(&facts),
                            Err(e) => tracing::error!(error = %e, "cannot read reporting facts"),
                        }
                    }
                    state.reports.applied.send_modify(|s| *s = (*s).max(last));
                }
                Ok(Committed::JobsEnqueued) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Missed commits: reload everything rather than be wrong.
                    tracing::warn!("the report index fell behind; reloading");
                    match ReportIndex::load(state.store.as_ref()).await {
                        Ok(fresh) => {
                            let facts = fresh.facts.into_inner().unwrap_or_else(|e| e.into_inner());
                            *state
                                .reports
                                .facts
                                .write()
                                .unwrap_or_else(|e| e.into_inner()) = facts;
                            let seq = *fresh.applied.borrow();
                            state.reports.applied.send_modify(|s| *s = (*s).max(seq));
                        }
                        Err(e) => tracing::error!(error = %e, "cannot reload the report index"),
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    })
}
