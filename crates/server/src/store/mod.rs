//! The store: where the workspace's state and event log live.
//!
//! Domain code talks to the store through two traits of primitives, [`ReadTx`] and
//! [`WriteTx`], inside closures that the store runs in one transaction each. The domain rules
//! never see SQL, so a PostgreSQL store is a second implementation of these traits and of
//! [`Store`], nothing more. The SQLite store (the default, embedded) runs all writes on one
//! thread and commits concurrent writes together (group commit): one fsync for many requests.
//! Events appended in a transaction are published to subscribers after it commits, in `seq`
//! order.

pub mod copy;
pub mod postgres;
pub mod records;
pub mod sqlite;

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use messenger_protocol::{
    Channel, ChannelId, ClientId, ClosingNoteCategory, Comment, Contact, ContactId, Conversation,
    ConversationId, CustomField, Direction, EventPayload, FileId, Message, MessageId, Seq,
    Settings, Snippet, SnippetId, Timestamp, UserId,
};
use tokio::sync::broadcast;

use crate::error::AppError;
pub use records::*;

/// Failures of the storage layer, independent of the backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write; the text says which, for people.
    #[error("{0}")]
    Conflict(String),
    /// The database cannot hold a value as given (a NUL character in PostgreSQL's text).
    #[error("{0}")]
    Invalid(String),
    /// A row that must exist does not.
    #[error("{0}")]
    NotFound(String),
    /// The database answered with an error; the cause is kept for the log.
    #[error("database error: {0}")]
    Backend(#[source] BoxError),
    /// A concurrent transaction got in the way (a serialization failure, a deadlock, a busy
    /// database): the store runs the same transaction again, a few times, before giving up.
    #[error("a concurrent transaction got in the way: {0}")]
    Retryable(#[source] BoxError),
    /// Stored JSON that this version cannot read.
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The store is shutting down or its writer died.
    #[error("the store is closed")]
    Closed,
    /// The data on disk is not what this version understands.
    #[error("unsupported database: {0}")]
    Schema(String),
    /// The secret key that seals channel secrets is missing, unusable or not this database's.
    #[error(transparent)]
    SecretKey(#[from] crate::secrets::KeyError),
    /// A sealed secret could not be opened.
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
}

/// Any error a backend reports, kept whole as a cause.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

impl StoreError {
    /// A backend failure described in words (no underlying error value).
    pub fn backend(what: impl Into<String>) -> Self {
        StoreError::Backend(what.into().into())
    }

    /// Whether running the transaction again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Retryable(_))
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        // Another connection holding the database (a second store handle on one file) is the
        // SQLite form of a concurrent transaction getting in the way.
        match err.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::Retryable(Box::new(err))
            }
            _ => StoreError::Backend(Box::new(err)),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Reads, inside one consistent snapshot.
pub trait ReadTx {
    // users and sessions
    fn user(&mut self, id: &UserId) -> StoreResult<Option<UserRecord>>;
    fn user_by_email(&mut self, email: &str) -> StoreResult<Option<UserRecord>>;
    fn users(&mut self) -> StoreResult<Vec<UserRecord>>;
    fn count_users(&mut self) -> StoreResult<u64>;
    fn session(&mut self, token_hash: &str) -> StoreResult<Option<SessionRecord>>;
    /// A token that is not revoked, by the digest of the token.
    fn api_token(&mut self, digest: &str) -> StoreResult<Option<ApiTokenRecord>>;
    /// The tokens that are not revoked, oldest first.
    fn api_tokens(&mut self) -> StoreResult<Vec<ApiTokenRecord>>;

    // workspace
    fn settings(&mut self) -> StoreResult<Settings>;
    fn meta(&mut self, key: &str) -> StoreResult<Option<String>>;
    fn channel(&mut self, id: &ChannelId) -> StoreResult<Option<ChannelRecord>>;
    fn channel_by_token(&mut self, api_token: &str) -> StoreResult<Option<ChannelRecord>>;
    fn channels(&mut self) -> StoreResult<Vec<ChannelRecord>>;
    fn categories(&mut self) -> StoreResult<Vec<ClosingNoteCategory>>;
    fn category(
        &mut self,
        id: &messenger_protocol::CategoryId,
    ) -> StoreResult<Option<ClosingNoteCategory>>;
    fn category_by_name(&mut self, name: &str) -> StoreResult<Option<ClosingNoteCategory>>;
    fn snippets(&mut self) -> StoreResult<Vec<Snippet>>;
    fn custom_fields(&mut self) -> StoreResult<Vec<CustomField>>;
    fn snippet(&mut self, id: &SnippetId) -> StoreResult<Option<Snippet>>;

    // contacts
    fn contact(&mut self, id: &ContactId) -> StoreResult<Option<Contact>>;
    fn contact_by_identity(
        &mut self,
        channel: &ChannelId,
        external_id: &str,
    ) -> StoreResult<Option<Contact>>;
    fn contacts(&mut self, query: &ContactQuery) -> StoreResult<Vec<Contact>>;
    /// The oldest contact with this email or phone number.
    fn contact_by_address(&mut self, address: &ContactAddress) -> StoreResult<Option<Contact>>;
    /// Every contact in scope (snapshots, visibility changes).
    fn contacts_in_scope(&mut self, scope: &Scope) -> StoreResult<Vec<Contact>>;
    /// The current assignee of each of these contacts that still exists; a removed contact is
    /// absent from the map. Reading the log applies visibility with these, never with the
    /// assignee an event was written with.
    fn assignees_of(
        &mut self,
        contacts: &[ContactId],
    ) -> StoreResult<std::collections::HashMap<ContactId, Option<UserId>>>;
    /// The external id of a contact on a channel, for outbound delivery.
    fn contact_external_id(
        &mut self,
        contact: &ContactId,
        channel: &ChannelId,
    ) -> StoreResult<Option<String>>;

    // conversations
    fn conversation(&mut self, id: &ConversationId) -> StoreResult<Option<Conversation>>;
    fn conversations_of(&mut self, contact: &ContactId) -> StoreResult<Vec<Conversation>>;
    /// Conversations of every contact in scope (snapshots).
    fn conversations_in_scope(&mut self, scope: &Scope) -> StoreResult<Vec<Conversation>>;

    // messages
    fn message(&mut self, id: &MessageId) -> StoreResult<Option<Message>>;
    /// Whether an outgoing message to `contact` older than `message` still waits for its
    /// delivery: messages to one contact leave in the order they were written.
    fn outgoing_pending_before(
        &mut self,
        contact: &ContactId,
        message: &MessageId,
    ) -> StoreResult<bool>;
    fn message_by_client_id(
        &mut self,
        user: &UserId,
        client_id: &ClientId,
    ) -> StoreResult<Option<Message>>;
    fn message_by_external_id(
        &mut self,
        channel: &ChannelId,
        direction: Direction,
        external_id: &str,
    ) -> StoreResult<Option<Message>>;
    fn message_exists_by_external_id(
        &mut self,
        channel: &ChannelId,
        direction: Direction,
        external_id: &str,
    ) -> StoreResult<bool>;
    /// Newest first, older than `before` (a message id) when given.
    fn messages_page(
        &mut self,
        contact: &ContactId,
        before: Option<&MessageId>,
        limit: usize,
    ) -> StoreResult<Vec<Message>>;
    fn messages_of(&mut self, contact: &ContactId) -> StoreResult<Vec<Message>>;

    // comments
    fn comments_of(&mut self, contact: &ContactId) -> StoreResult<Vec<Comment>>;
    fn comment_by_client_id(
        &mut self,
        author: &UserId,
        client_id: &ClientId,
    ) -> StoreResult<Option<Comment>>;

    // files
    fn file(&mut self, id: &FileId) -> StoreResult<Option<FileRecord>>;
    /// A file by the sequential id it had before ids became random: for signed links only.
    fn file_by_legacy_id(&mut self, legacy: i64) -> StoreResult<Option<FileRecord>>;
    /// Whether a file is attached to a message of this contact.
    fn file_attached_to(&mut self, file: &FileId, contact: &ContactId) -> StoreResult<bool>;
    /// The contacts whose messages carry this file, or whose picture it is.
    fn contacts_with_file(&mut self, file: &FileId) -> StoreResult<Vec<ContactId>>;

    // event log
    /// Events with `seq > since`, oldest first, at most `limit`.
    fn events_after(&mut self, since: Seq, limit: usize) -> StoreResult<Vec<LogEvent>>;
    fn last_seq(&mut self) -> StoreResult<Seq>;
    /// The highest seq that was pruned away (0 when nothing was).
    fn log_floor(&mut self) -> StoreResult<Seq>;
    /// The highest seq of an event older than `at` (0 when none is).
    fn seq_before(&mut self, at: Timestamp) -> StoreResult<Seq>;

    // automation
    fn workflows(&mut self) -> StoreResult<Vec<messenger_protocol::Workflow>>;
    fn workflow(
        &mut self,
        id: &messenger_protocol::WorkflowId,
    ) -> StoreResult<Option<messenger_protocol::Workflow>>;
    /// Enabled workflows with this trigger.
    fn workflows_for(
        &mut self,
        trigger: messenger_protocol::Trigger,
    ) -> StoreResult<Vec<messenger_protocol::Workflow>>;
    fn round_robin_last(
        &mut self,
        workflow: &messenger_protocol::WorkflowId,
    ) -> StoreResult<Option<UserId>>;
    /// Open contacts per assignee.
    fn open_contact_counts(&mut self) -> StoreResult<std::collections::HashMap<UserId, u32>>;
    fn fact(&mut self, conversation: &ConversationId) -> StoreResult<Option<ConversationFact>>;
    fn facts_after(&mut self, after: i64, limit: usize) -> StoreResult<Vec<ConversationFact>>;
    fn facts_of(&mut self, conversations: &[ConversationId]) -> StoreResult<Vec<ConversationFact>>;
    fn integration_webhooks(&mut self) -> StoreResult<Vec<IntegrationWebhookRecord>>;
    fn integration_webhook(&mut self, id: &str) -> StoreResult<Option<IntegrationWebhookRecord>>;

    // jobs
    /// Jobs due at `now` whose lease is free or expired, oldest first.
    fn due_jobs(&mut self, now: Timestamp, limit: usize) -> StoreResult<Vec<JobRecord>>;
    /// When the next job becomes runnable: its run time, or the end of its lease when later.
    fn next_job_time(&mut self) -> StoreResult<Option<Timestamp>>;

    // presence
    /// Every instance's live streams per user.
    fn stream_presence(&mut self) -> StoreResult<Vec<StreamPresenceRecord>>;
}

/// Writes, inside one transaction that commits only when the whole closure succeeds.
pub trait WriteTx: ReadTx {
    fn insert_user(&mut self, user: &NewUser) -> StoreResult<UserRecord>;
    fn update_user(&mut self, user: &UserRecord) -> StoreResult<()>;
    fn insert_session(&mut self, session: &SessionRecord) -> StoreResult<()>;
    fn delete_session(&mut self, token_hash: &str) -> StoreResult<bool>;
    fn delete_sessions_of(&mut self, user: &UserId) -> StoreResult<()>;
    /// Every session of `user` but the one whose token hashes to `keep`.
    fn delete_other_sessions(&mut self, user: &UserId, keep: &str) -> StoreResult<()>;
    fn touch_session(&mut self, token_hash: &str, last_used_at: Timestamp) -> StoreResult<()>;
    /// Stores a new token (`id` is assigned).
    fn insert_api_token(&mut self, token: &ApiTokenRecord) -> StoreResult<ApiTokenRecord>;
    /// Stores a new field (`id` is assigned); a slug taken already is a conflict.
    fn insert_custom_field(&mut self, field: &CustomField) -> StoreResult<CustomField>;
    /// Revokes a token; false when there is no such token not yet revoked.
    fn revoke_api_token(&mut self, id: &str, at: Timestamp) -> StoreResult<bool>;
    fn touch_api_token(&mut self, id: &str, at: Timestamp) -> StoreResult<()>;

    fn put_settings(&mut self, settings: &Settings) -> StoreResult<()>;
    fn put_meta(&mut self, key: &str, value: &str) -> StoreResult<()>;
    fn insert_channel(&mut self, channel: &NewChannelRecord) -> StoreResult<ChannelRecord>;
    /// Writes name, supports_voice, outbound_url, bot_url and allow_private_network.
    fn update_channel(&mut self, channel: &ChannelRecord) -> StoreResult<()>;
    fn insert_category(
        &mut self,
        name: &str,
        description: &str,
    ) -> StoreResult<ClosingNoteCategory>;
    fn update_category(&mut self, category: &ClosingNoteCategory) -> StoreResult<()>;
    fn delete_category(&mut self, id: &messenger_protocol::CategoryId) -> StoreResult<bool>;
    fn insert_snippet(&mut self, name: &str, shortcut: &str, text: &str) -> StoreResult<Snippet>;
    fn update_snippet(&mut self, snippet: &Snippet) -> StoreResult<()>;
    fn delete_snippet(&mut self, id: &SnippetId) -> StoreResult<bool>;

    fn insert_contact(&mut self, contact: &NewContact) -> StoreResult<Contact>;
    /// Writes every mutable field of the contact (not its channels).
    fn update_contact(&mut self, contact: &Contact) -> StoreResult<()>;
    fn add_contact_identity(
        &mut self,
        contact: &ContactId,
        channel: &ChannelId,
        external_id: &str,
    ) -> StoreResult<()>;
    fn delete_contact(&mut self, id: &ContactId) -> StoreResult<()>;
    /// Moves channels, conversations, messages and comments of `from` to `to` (merge).
    fn move_contact_history(&mut self, from: &ContactId, to: &ContactId) -> StoreResult<()>;

    /// Fails with [`StoreError::Conflict`] when the contact already has an open conversation.
    fn insert_conversation(&mut self, conversation: &NewConversation) -> StoreResult<Conversation>;
    fn update_conversation(&mut self, conversation: &Conversation) -> StoreResult<()>;

    /// Fails with [`StoreError::Conflict`] on a repeated inbound (channel, mId) or
    /// (user, client_id).
    fn insert_message(&mut self, message: &NewMessage) -> StoreResult<Message>;
    /// Writes delivery, error, attachments and text.
    fn update_message(&mut self, message: &Message) -> StoreResult<()>;
    fn set_message_external_id(&mut self, id: &MessageId, external_id: &str) -> StoreResult<()>;

    fn insert_comment(&mut self, comment: &NewCommentRecord) -> StoreResult<Comment>;
    fn insert_file(&mut self, file: &FileRecord) -> StoreResult<FileRecord>;

    /// Appends to the event log; the event is published once the transaction commits.
    fn append_event(
        &mut self,
        payload: &EventPayload,
        at: Timestamp,
        assignee: Option<&UserId>,
    ) -> StoreResult<()>;
    /// Removes events with `seq <= upto` and raises the log floor.
    fn prune_events(&mut self, upto: Seq) -> StoreResult<u64>;

    fn insert_workflow(
        &mut self,
        input: &messenger_protocol::WorkflowInput,
    ) -> StoreResult<messenger_protocol::Workflow>;
    fn update_workflow(&mut self, workflow: &messenger_protocol::Workflow) -> StoreResult<()>;
    fn delete_workflow(&mut self, id: &messenger_protocol::WorkflowId) -> StoreResult<bool>;
    /// Serializes automatic assignment (round robin, least open) across concurrent writers
    /// until the transaction ends: each decision reads the counts the previous one left.
    fn lock_assignment(&mut self) -> StoreResult<()>;
    fn set_round_robin_last(
        &mut self,
        workflow: &messenger_protocol::WorkflowId,
        user: &UserId,
    ) -> StoreResult<()>;
    fn upsert_fact(&mut self, fact: &ConversationFact) -> StoreResult<()>;
    fn insert_integration_webhook(
        &mut self,
        webhook: &IntegrationWebhookRecord,
    ) -> StoreResult<IntegrationWebhookRecord>;
    fn delete_integration_webhook(&mut self, id: &str) -> StoreResult<bool>;

    fn enqueue_job(&mut self, kind: &str, payload: &str, run_at: Timestamp) -> StoreResult<i64>;
    /// Leases up to `limit` due jobs (see [`ReadTx::due_jobs`]) to `owner` until `lease_until`:
    /// no other claimer gets them before then. Concurrent claimers get disjoint sets.
    fn claim_jobs(
        &mut self,
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<JobRecord>>;
    /// Extends the leases `owner` still holds on these jobs; returns how many it held.
    fn renew_job_leases(
        &mut self,
        owner: &str,
        ids: &[i64],
        lease_until: Timestamp,
    ) -> StoreResult<u64>;
    fn finish_job(&mut self, id: i64) -> StoreResult<()>;

    /// Records how many live streams `user` has on `instance` (0: when the last one ended).
    fn put_stream_presence(&mut self, presence: &StreamPresenceRecord) -> StoreResult<()>;
    /// Marks every row of `instance` alive at `at`.
    fn heartbeat_instance(&mut self, instance: &str, at: Timestamp) -> StoreResult<()>;
    /// Records a job's progress and when to continue, without counting a failed attempt; frees
    /// its lease.
    fn advance_job(&mut self, id: i64, run_at: Timestamp, payload: &str) -> StoreResult<()>;
    /// Reschedules a job and frees its lease; `payload` replaces its payload when given
    /// (progress of the job).
    fn retry_job(
        &mut self,
        id: i64,
        run_at: Timestamp,
        error: &str,
        payload: Option<&str>,
    ) -> StoreResult<()>;
}

pub type BoxAny = Box<dyn Any + Send>;
/// Jobs may run more than once: a store runs a transaction again after a serialization
/// failure, so a job must have no effect outside the transaction it is given.
pub type ReadJob = Box<dyn FnMut(&mut dyn ReadTx) -> Result<BoxAny, AppError> + Send>;
pub type WriteJob = Box<dyn FnMut(&mut dyn WriteTx) -> Result<BoxAny, AppError> + Send>;
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What a store tells the rest of the server after each commit.
#[derive(Clone, Debug)]
pub enum Committed {
    /// Events appended by the transaction, in seq order.
    Events(Vec<Arc<LogEvent>>),
    /// A job was enqueued (wakes the job runner).
    JobsEnqueued,
}

/// A storage backend. Use the typed helpers on `dyn Store` ([`read`](Self::read),
/// [`write`](Self::write)); the boxed methods are what a backend implements.
pub trait Store: Send + Sync + 'static {
    fn run_read(&self, job: ReadJob) -> BoxFuture<Result<BoxAny, AppError>>;
    fn run_write(&self, job: WriteJob) -> BoxFuture<Result<BoxAny, AppError>>;
    /// Commits as they happen, in commit order. Slow receivers lag (and are told so).
    fn subscribe(&self) -> broadcast::Receiver<Committed>;
}

impl dyn Store {
    /// Runs `f` in a read transaction.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn ReadTx) -> Result<T, AppError> + Send + 'static,
    {
        let mut f = f;
        let boxed = self
            .run_read(Box::new(move |tx| f(tx).map(|v| Box::new(v) as BoxAny)))
            .await?;
        downcast(boxed)
    }

    /// Runs `f` in a write transaction; its changes commit (durably) before this returns `Ok`.
    /// `f` may run more than once (see [`WriteJob`]); only its last run's changes commit.
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn WriteTx) -> Result<T, AppError> + Send + 'static,
    {
        let mut f = f;
        let boxed = self
            .run_write(Box::new(move |tx| f(tx).map(|v| Box::new(v) as BoxAny)))
            .await?;
        downcast(boxed)
    }
}

fn downcast<T: 'static>(boxed: BoxAny) -> Result<T, AppError> {
    boxed
        .downcast::<T>()
        .map(|b| *b)
        .map_err(|_| AppError::internal("reading a store result", "type mismatch"))
}

/// Channels' public form, for events and non-admins.
pub fn public_channel(c: &ChannelRecord) -> Channel {
    c.to_api(None)
}
