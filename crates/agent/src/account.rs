//! [`Account`]: the agent while signed in — the session, the API client, the cache, and the
//! background tasks (sync, outbox) with their state.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use messenger_protocol::{ContactId, Timestamp};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;

use crate::accounts::StoredSession;
use crate::api_client::ApiClient;
use crate::cache::Cache;
use crate::cache::{Applied, ApplyContext};
use crate::error::AgentResult;
use crate::notify::Notifier;
use crate::view::{AgentEvent, SyncState, SyncStatus};
use crate::voice::RecordingSlot;

pub struct Account {
    pub session: StoredSession,
    pub client: ApiClient,
    pub cache: Arc<Cache>,
    /// `<data dir>/accounts/<server>-<user>/`: the cache, file bodies, staged uploads.
    pub dir: PathBuf,
    pub events: broadcast::Sender<AgentEvent>,
    pub(crate) state: watch::Sender<SyncState>,
    focused: Mutex<Option<ContactId>>,
    pub(crate) sync_nudge: Notify,
    pub(crate) outbox_nudge: Notify,
    stopping: AtomicBool,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    pub(crate) notifier: Option<Notifier>,
    /// Most bytes of file bodies kept (least recently used go first).
    pub file_cache_cap: u64,
    /// The voice note being recorded, if any; [`stop`](Self::stop) cancels it.
    pub voice: Arc<RecordingSlot>,
}

/// Where one (server, user)'s files live.
pub fn account_dir(data_dir: &std::path::Path, session: &StoredSession) -> PathBuf {
    let server = hex::encode(Sha256::digest(session.server_url.as_bytes()));
    data_dir
        .join("accounts")
        .join(format!("{}-{}", &server[..12], session.user.id))
}

impl Account {
    pub fn open(
        data_dir: &std::path::Path,
        session: StoredSession,
        events: broadcast::Sender<AgentEvent>,
        notifier: Option<Notifier>,
        file_cache_cap: u64,
    ) -> AgentResult<Self> {
        let dir = account_dir(data_dir, &session);
        let cache = Arc::new(Cache::open(&dir.join("cache.db"))?);
        let client = ApiClient::new(&session.server_url)?.with_token(session.token.clone());
        let state = watch::channel(SyncState {
            status: SyncStatus::Connecting,
            since: Timestamp::now(),
            progress: None,
            last_error: None,
            skipped_events: cache.skipped_events()?,
            retry_at: None,
        })
        .0;
        Ok(Self {
            session,
            client,
            cache,
            dir,
            events,
            state,
            focused: Mutex::new(None),
            sync_nudge: Notify::new(),
            outbox_nudge: Notify::new(),
            stopping: AtomicBool::new(false),
            tasks: Mutex::new(Vec::new()),
            notifier,
            file_cache_cap,
            voice: Arc::default(),
        })
    }

    pub fn emit(&self, event: AgentEvent) {
        // Nobody listening (the command line) is fine.
        let _ = self.events.send(event);
    }

    pub fn sync_state(&self) -> SyncState {
        self.state.borrow().clone()
    }

    pub fn subscribe_state(&self) -> watch::Receiver<SyncState> {
        self.state.subscribe()
    }

    pub(crate) fn set_state(
        &self,
        status: SyncStatus,
        progress: Option<f32>,
        last_error: Option<String>,
        since: Option<Timestamp>,
    ) {
        let changed = {
            let current = self.state.borrow();
            current.status != status
                || current.progress != progress
                || current.last_error != last_error
        };
        if !changed {
            return;
        }
        let since = since.unwrap_or_else(|| {
            let current = self.state.borrow();
            if current.status == status {
                current.since
            } else {
                Timestamp::now()
            }
        });
        let state = SyncState {
            status,
            since,
            progress,
            last_error,
            skipped_events: self.state.borrow().skipped_events,
            retry_at: None,
        };
        self.state.send_replace(state.clone());
        self.emit(AgentEvent::SyncState { state });
    }

    /// Changes the sync state in place and tells the app, when `change` changed it.
    fn update_state(&self, change: impl FnOnce(&mut SyncState)) {
        if self.state.send_if_modified(|s| {
            let before = s.clone();
            change(s);
            *s != before
        }) {
            self.emit(AgentEvent::SyncState {
                state: self.sync_state(),
            });
        }
    }

    /// When the sync's next attempt starts (offline or stopped), for the app to count down.
    pub(crate) fn set_retry_at(&self, at: Option<Timestamp>) {
        self.update_state(|s| s.retry_at = at);
    }

    /// The count of passed-over events changed: the state shows the cache's figure.
    pub(crate) fn note_skipped_events(&self) {
        if let Ok(count) = self.cache.skipped_events() {
            self.update_state(|s| s.skipped_events = count);
        }
    }

    pub fn is_online(&self) -> bool {
        self.state.borrow().status == SyncStatus::Online
    }

    pub fn focused(&self) -> Option<ContactId> {
        self.focused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_focused(&self, contact: Option<ContactId>) {
        *self.focused.lock().unwrap_or_else(|e| e.into_inner()) = contact;
    }

    pub fn apply_context(&self) -> ApplyContext {
        ApplyContext {
            me: self.session.user.id.clone(),
            focused: self.focused(),
        }
    }

    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    pub(crate) fn add_task(&self, task: JoinHandle<()>) {
        self.tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(task);
    }

    pub fn has_tasks(&self) -> bool {
        !self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// Stops the background tasks and cancels a recording under way, leaving no file
    /// (sign-out, shutdown).
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.voice.cancel();
        for t in self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            t.abort();
        }
        self.sync_nudge.notify_waiters();
        self.outbox_nudge.notify_waiters();
    }

    /// Tells the UI what a batch changed, settles confirmed outbox items, and notifies.
    pub(crate) fn after_apply(&self, applied: Applied) {
        // Settle confirmed writes first: a timeline read after the events below must not
        // show a local echo whose server copy is already in the cache.
        let mut settled = false;
        for client_id in &applied.confirmed {
            if let Ok(Some(_)) = self.cache.outbox_settle(client_id) {
                settled = true;
            }
        }
        if !applied.contacts.is_empty() {
            self.emit(AgentEvent::ContactsChanged {
                ids: applied.contacts.iter().cloned().collect(),
            });
        }
        for contact_id in &applied.timelines {
            self.emit(AgentEvent::TimelineChanged {
                contact_id: contact_id.clone(),
            });
        }
        if applied.workspace_changed {
            self.emit(AgentEvent::WorkspaceChanged);
        }
        if settled {
            self.emit_outbox();
        }
        if let Some(n) = &self.notifier {
            let me = self.session.user.id.clone();
            n.consider(
                &self.cache,
                &me,
                &applied,
                self.focused().as_ref(),
                self.notify_unassigned(),
            );
        }
    }

    pub(crate) fn emit_outbox(&self) {
        if let Ok(count) = self.cache.outbox_count() {
            self.emit(AgentEvent::OutboxChanged { count });
        }
    }

    /// Whether new messages of unassigned contacts notify (each user can turn it off).
    pub fn notify_unassigned(&self) -> bool {
        self.cache
            .meta("notify_unassigned")
            .ok()
            .flatten()
            .as_deref()
            != Some("false")
    }
}
