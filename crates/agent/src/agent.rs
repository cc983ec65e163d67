//! [`Agent`]: the one object the desktop shell and the command line talk to. It keeps the
//! session, and while signed in an [`Account`] with the cache and the background tasks.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use messenger_protocol::{
    ContactId, ContactView, ConversationId, ConversationReport, FileId, SnippetId, StatusFilter,
    UserId, UserStatus,
};
use tokio::sync::broadcast;

use crate::account::Account;
use crate::accounts::{Accounts, StoredSession};
use crate::api_client::ApiClient;
use crate::cache::outbox_store::StagedFile;
use crate::cache::{InboxQuery, OutboxItem};
use crate::config::AgentConfig;
use crate::error::{AgentError, AgentResult};
use crate::notify::Notifier;
use crate::outbox::{self, Flushed, Write};
use crate::view::{
    AgentEvent, ContactDetails, InboxCounts, InboxPage, OutboxEntry, SearchHit, Session,
    SignInDefaults, SyncState, TimelinePage, TokenStorage, Workspace,
};
use crate::{files, history, server_url, sync};

pub struct Agent {
    config: AgentConfig,
    /// Shared with blocking threads: its token store may block (keychain over D-Bus).
    accounts: Arc<Mutex<Accounts>>,
    events: broadcast::Sender<AgentEvent>,
    account: RwLock<Option<Arc<Account>>>,
}

impl Agent {
    /// Opens the agent's files and, when signed in, the account. Blocking: it reads the
    /// session token from the OS keychain; async code uses [`open_async`](Self::open_async).
    pub fn open(config: AgentConfig) -> AgentResult<Self> {
        let accounts = Accounts::open(&config.data_dir, config.keychain)?;
        let (events, _) = broadcast::channel(1024);
        let agent = Self {
            config,
            accounts: Arc::new(Mutex::new(accounts)),
            events,
            account: RwLock::new(None),
        };
        if let Some(session) = agent.accounts().session()? {
            agent.attach(session)?;
        }
        Ok(agent)
    }

    /// [`open`](Self::open) on a blocking thread, keeping the keychain off async workers.
    pub async fn open_async(config: AgentConfig) -> AgentResult<Self> {
        tokio::task::spawn_blocking(move || Self::open(config))
            .await
            .map_err(|e| AgentError::Io(format!("Opening the agent failed: {e}")))?
    }

    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    /// Where the session token is kept; the app tells the user when it is a file.
    pub fn token_storage(&self) -> TokenStorage {
        self.accounts().token_storage()
    }

    /// Runs `f` on the accounts on a blocking thread (the token store may block).
    async fn with_accounts<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Accounts) -> AgentResult<T> + Send + 'static,
    ) -> AgentResult<T> {
        let accounts = self.accounts.clone();
        tokio::task::spawn_blocking(move || f(&accounts.lock().unwrap_or_else(|e| e.into_inner())))
            .await
            .map_err(|e| AgentError::Io(format!("The session store failed: {e}")))?
    }

    fn accounts(&self) -> MutexGuard<'_, Accounts> {
        // A panic while holding the lock cannot leave SQLite half-written; carry on.
        self.accounts.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn attach(&self, session: StoredSession) -> AgentResult<Arc<Account>> {
        let notifier = (self.config.notifications && tokio::runtime::Handle::try_current().is_ok())
            .then(|| Notifier::start(self.events.clone()));
        let account = Arc::new(Account::open(
            &self.config.data_dir,
            session,
            self.events.clone(),
            notifier,
            self.config.file_cache_bytes,
        )?);
        *self.account.write().unwrap_or_else(|e| e.into_inner()) = Some(account.clone());
        Ok(account)
    }

    /// The signed-in account, or [`AgentError::SignedOut`].
    pub fn account(&self) -> AgentResult<Arc<Account>> {
        self.account
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or(AgentError::SignedOut)
    }

    /// Live updates for the UI.
    pub fn subscribe(&self) -> broadcast::Receiver<AgentEvent> {
        self.events.subscribe()
    }

    /// Starts syncing and sending in the background (on the current tokio runtime); a no-op
    /// when signed out or already started.
    pub fn start(&self) -> AgentResult<()> {
        let Ok(account) = self.account() else {
            return Ok(());
        };
        if account.has_tasks() {
            return Ok(());
        }
        account.add_task(tokio::spawn(sync::run(account.clone())));
        account.add_task(tokio::spawn(outbox::run(account.clone())));
        let prefetch = account.clone();
        account.add_task(tokio::spawn(async move {
            // Give the first catch-up a head start.
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            history::prefetch_mine(prefetch).await;
        }));
        Ok(())
    }

    /// The signed-in session, as opened from the local files (no network, no keychain).
    pub fn session(&self) -> AgentResult<Option<Session>> {
        Ok(self.account().ok().map(|a| a.session.public()))
    }

    /// The client for the signed-in session.
    pub fn client(&self) -> AgentResult<ApiClient> {
        Ok(self.account()?.client.clone())
    }

    /// What the sign-in form starts with: the last sign-in, else `preset_server`
    /// (`MESSENGER_SERVER_URL`), which wins for the server when it is set.
    pub fn sign_in_defaults(&self, preset_server: Option<&str>) -> AgentResult<SignInDefaults> {
        let mut d = self.accounts().last_sign_in()?.unwrap_or_default();
        if let Some(server) = preset_server.filter(|s| !s.trim().is_empty()) {
            d.server_url = server.trim().to_owned();
        }
        Ok(d)
    }

    /// Signs in and remembers the session (a restart keeps it). Call [`start`](Self::start)
    /// to begin syncing.
    pub async fn login(&self, server: &str, email: &str, password: &str) -> AgentResult<Session> {
        let server_url = server_url::normalize(server)?;
        if email.trim().is_empty() || password.is_empty() {
            return Err(AgentError::Invalid("Enter your email and password.".into()));
        }
        let answer = ApiClient::new(&server_url)?
            .login(email.trim(), password)
            .await?;
        let stored = StoredSession {
            server_url,
            token: answer.token,
            user: answer.user,
        };
        if let Ok(old) = self.account() {
            old.stop();
        }
        let saved = stored.clone();
        self.with_accounts(move |a| a.save_session(&saved)).await?;
        self.attach(stored.clone())?;
        tracing::info!(server = %stored.server_url, user = %stored.user.email, "signed in");
        Ok(stored.public())
    }

    /// Asks the server who we are: refreshes the stored user, and forgets a session that the
    /// server no longer accepts. Offline, the stored session stands.
    pub async fn refresh_session(&self) -> AgentResult<Session> {
        let client = self.client()?;
        match client.me().await {
            Ok(user) => {
                self.accounts().update_user(&user)?;
                let server_url = self.account()?.session.server_url.clone();
                Ok(Session { server_url, user })
            }
            Err(e) if e.is_auth_failure() => {
                self.forget_session().await?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Stops the account and deletes the session, its token included.
    async fn forget_session(&self) -> AgentResult<()> {
        if let Some(account) = self
            .account
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            account.stop();
        }
        self.with_accounts(|a| a.clear_session()).await
    }

    /// Signs out: the server kills the token, and the local session is forgotten (the cache
    /// stays for the next sign-in). When the server cannot be reached the local session is
    /// forgotten anyway (the token then dies on the server's idle timeout).
    pub async fn logout(&self) -> AgentResult<()> {
        let client = match self.client() {
            Ok(c) => c,
            Err(AgentError::SignedOut) => return Ok(()),
            Err(e) => return Err(e),
        };
        match client.logout().await {
            Ok(()) => {}
            Err(e) if e.is_auth_failure() => {}
            Err(e @ AgentError::Unreachable { .. }) => {
                tracing::warn!(error = %e, "signing out locally; the server was not told");
            }
            Err(e) => return Err(e),
        }
        self.forget_session().await
    }

    pub fn sync_state(&self) -> AgentResult<SyncState> {
        Ok(self.account()?.sync_state())
    }

    /// Offline or stopped: tries to reach the server now rather than at the next attempt.
    pub fn retry_sync(&self) -> AgentResult<()> {
        self.account()?.sync_nudge.notify_one();
        Ok(())
    }

    /// Catches up once (bootstrap if needed); returns how many events were applied.
    pub async fn sync_once(&self) -> AgentResult<usize> {
        let account = self.account()?;
        sync::catch_up(&account).await
    }

    fn me(&self) -> AgentResult<UserId> {
        Ok(self.account()?.session.user.id.clone())
    }

    pub fn inbox(&self, query: &InboxQuery) -> AgentResult<InboxPage> {
        self.account()?.cache.inbox(&self.me()?, query)
    }

    pub fn inbox_counts(&self, status: StatusFilter) -> AgentResult<InboxCounts> {
        self.account()?.cache.inbox_counts(&self.me()?, status)
    }

    pub fn unread_total(&self) -> AgentResult<u32> {
        self.account()?.cache.unread_total()
    }

    /// Contacts of a view as one line each (for the command line).
    pub fn contacts(&self, view: ContactView) -> AgentResult<InboxPage> {
        self.inbox(&InboxQuery {
            view,
            status: StatusFilter::Any,
            sort: Default::default(),
            text: None,
            offset: 0,
            limit: 100_000,
        })
    }

    pub fn timeline(
        &self,
        contact: &ContactId,
        before: Option<&str>,
        limit: u32,
    ) -> AgentResult<TimelinePage> {
        self.account()?.cache.timeline(contact, before, limit)
    }

    pub fn contact_details(&self, contact: &ContactId) -> AgentResult<Option<ContactDetails>> {
        self.account()?.cache.contact_details(contact)
    }

    pub fn workspace(&self) -> AgentResult<Option<Workspace>> {
        self.account()?.cache.workspace()
    }

    pub fn search(&self, query: &str, limit: u32) -> AgentResult<Vec<SearchHit>> {
        self.account()?.cache.search(query, limit)
    }

    /// The contact open in the app (or `None`): its messages count as read, and it is not
    /// notified about.
    pub fn focus(&self, contact: Option<ContactId>) -> AgentResult<()> {
        let account = self.account()?;
        account.set_focused(contact.clone());
        if let Some(c) = contact
            && account.cache.mark_read(&c)?
        {
            account.emit(AgentEvent::ContactsChanged { ids: vec![c] });
        }
        Ok(())
    }

    /// Fetches the next older page of a contact's history from the server into the cache.
    pub async fn load_older(&self, contact: &ContactId) -> AgentResult<bool> {
        history::load_older(&self.account()?, contact).await
    }

    /// Makes sure the newest page of a contact's history is cached.
    pub async fn ensure_history(&self, contact: &ContactId) -> AgentResult<()> {
        history::ensure(&self.account()?, contact).await
    }

    pub fn outbox(&self) -> AgentResult<Vec<OutboxEntry>> {
        outbox::entries(&*self.account()?)
    }

    /// Tries to deliver the whole outbox now (waiting retries included).
    pub async fn flush(&self) -> AgentResult<Flushed> {
        let account = self.account()?;
        account
            .cache
            .outbox_wake_all(messenger_protocol::Timestamp::now())?;
        outbox::flush(&account).await
    }

    fn write(&self, w: Write) -> AgentResult<OutboxItem> {
        outbox::enqueue(&self.account()?, w)
    }

    pub fn send_message(
        &self,
        contact: &ContactId,
        text: Option<String>,
        files: Vec<StagedFile>,
        voice: Option<(StagedFile, u64, Vec<u8>)>,
    ) -> AgentResult<OutboxItem> {
        self.write(Write::Message {
            contact: contact.clone(),
            text,
            files,
            voice,
        })
    }

    pub fn add_comment(
        &self,
        contact: &ContactId,
        text: String,
        mentions: Vec<UserId>,
    ) -> AgentResult<OutboxItem> {
        self.write(Write::Comment {
            contact: contact.clone(),
            text,
            mentions,
        })
    }

    pub fn assign(&self, contact: &ContactId, user: Option<UserId>) -> AgentResult<OutboxItem> {
        self.write(Write::Assign {
            contact: contact.clone(),
            user,
        })
    }

    pub fn open_conversation(&self, contact: &ContactId) -> AgentResult<OutboxItem> {
        self.write(Write::Open {
            contact: contact.clone(),
        })
    }

    pub fn close_conversation(
        &self,
        contact: &ContactId,
        conversation: &ConversationId,
        category: Option<String>,
        summary: Option<String>,
    ) -> AgentResult<OutboxItem> {
        self.write(Write::Close {
            contact: contact.clone(),
            conversation: conversation.clone(),
            category,
            summary,
        })
    }

    pub fn set_status(&self, status: UserStatus) -> AgentResult<OutboxItem> {
        if status == UserStatus::Offline {
            return Err(AgentError::Invalid("Choose online or busy.".into()));
        }
        self.write(Write::Status { status })
    }

    /// Tries a failed outbox item again.
    pub fn retry(&self, id: i64) -> AgentResult<()> {
        let account = self.account()?;
        account
            .cache
            .outbox_requeue(id, messenger_protocol::Timestamp::now())?;
        account.emit_outbox();
        account.outbox_nudge.notify_one();
        Ok(())
    }

    /// Gives up on an outbox item (its local echo goes too).
    pub fn discard(&self, id: i64) -> AgentResult<()> {
        let account = self.account()?;
        if let Some(item) = account.cache.outbox_discard(id)? {
            if let crate::cache::outbox_store::OutboxKind::SendMessage { files, voice, .. } =
                &item.kind
            {
                for f in files.iter().chain(voice.iter().map(|(f, _, _)| f)) {
                    let _ = std::fs::remove_file(&f.path);
                }
            }
            if let Some(c) = item.contact_id {
                account.emit(AgentEvent::TimelineChanged { contact_id: c });
            }
        }
        account.emit_outbox();
        Ok(())
    }

    pub fn stage_file(&self, path: &Path) -> AgentResult<StagedFile> {
        files::stage_path(&*self.account()?, path)
    }

    pub fn stage_bytes(&self, name: &str, bytes: &[u8]) -> AgentResult<StagedFile> {
        files::stage_bytes(&*self.account()?, name, bytes)
    }

    /// A file's body on disk (downloaded and cached when needed).
    pub async fn open_file(&self, file: &FileId) -> AgentResult<std::path::PathBuf> {
        files::open(&self.account()?, file).await
    }

    /// The media type and name of a file already opened (see [`open_file`](Self::open_file)).
    pub fn file_type(&self, file: &FileId) -> AgentResult<Option<(String, String)>> {
        Ok(self
            .account()?
            .cache
            .cached_file(file)?
            .map(|f| (f.mime, f.name)))
    }

    /// A snippet with its variables filled for this contact and me, from the cache (the same
    /// rules as the server's, shared through the protocol crate), so it works offline.
    pub fn render_snippet(&self, snippet: &SnippetId, contact: &ContactId) -> AgentResult<String> {
        let account = self.account()?;
        let unknown = || AgentError::Invalid("That snippet or contact is not known here.".into());
        let workspace = account.cache.workspace()?.ok_or_else(unknown)?;
        let snippet = workspace
            .snippets
            .iter()
            .find(|s| &s.id == snippet)
            .ok_or_else(unknown)?;
        let contact = account.cache.contact(contact)?.ok_or_else(unknown)?;
        Ok(messenger_protocol::snippet::render(
            &snippet.text,
            &contact,
            &workspace.me.name,
        ))
    }

    /// The report for a period: from the server when online (and kept), else the last one
    /// kept for the same query. The flag says whether it came from the cache.
    pub async fn report(&self, query: &str) -> AgentResult<(ConversationReport, bool)> {
        let account = self.account()?;
        match account
            .client
            .get::<ConversationReport>(&format!("/reports/conversations?{query}"))
            .await
        {
            Ok(r) => {
                if let Ok(json) = serde_json::to_string(&r) {
                    let _ = account.cache.put_report(query, &json);
                }
                Ok((r, false))
            }
            Err(e) if e.is_transient() => match account.cache.report(query)? {
                Some(json) => serde_json::from_str(&json)
                    .map(|r| (r, true))
                    .map_err(|e| AgentError::Cache(e.to_string())),
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// Merges `secondary` into `primary` (owners and managers; needs the server).
    pub async fn merge(&self, primary: &ContactId, secondary: &ContactId) -> AgentResult<()> {
        let account = self.account()?;
        let c: messenger_protocol::Contact = account
            .client
            .post(
                &format!("/contacts/{primary}/merge"),
                &messenger_protocol::MergeRequest {
                    secondary_id: secondary.clone(),
                },
            )
            .await?;
        account.cache.put_contact(&c)?;
        account.emit(AgentEvent::ContactsChanged {
            ids: vec![primary.clone(), secondary.clone()],
        });
        Ok(())
    }

    pub fn set_notify_unassigned(&self, on: bool) -> AgentResult<()> {
        self.account()?
            .cache
            .set_meta("notify_unassigned", if on { "true" } else { "false" })
    }

    pub fn notify_unassigned(&self) -> AgentResult<bool> {
        Ok(self.account()?.notify_unassigned())
    }

    /// Stops background work (the app is closing).
    pub fn shutdown(&self) {
        if let Ok(a) = self.account() {
            a.stop();
        }
    }
}
