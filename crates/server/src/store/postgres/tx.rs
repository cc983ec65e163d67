//! [`PostgresTx`]: the store primitives over one open PostgreSQL transaction.

use messenger_protocol::*;

use super::db::Db;
use super::events::PendingEvent;
use super::{
    api_tokens, automation, contacts, conversations, custom_fields, events, jobs, messages,
    presence, users, workspace,
};
use crate::secrets::SecretCipher;
use crate::store::*;

/// Whether single-row reads by id lock the row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// A read transaction: one snapshot, no locks.
    None,
    /// A write transaction: `FOR UPDATE`, so read-modify-write of one contact, conversation
    /// or message is serialized across transactions and instances.
    ForUpdate,
}

impl Lock {
    pub fn sql(self) -> &'static str {
        match self {
            Lock::None => "",
            Lock::ForUpdate => " FOR UPDATE",
        }
    }
}

/// Borrowed for the length of one job; the caller owns the transaction and decides whether it
/// commits. Events appended here wait, unnumbered, for the writer to log them at commit.
pub struct PostgresTx<'d, 'c> {
    db: &'d Db<'c>,
    /// Seals and opens the channel secrets this transaction writes and reads.
    cipher: &'d SecretCipher,
    lock: Lock,
    pub(super) appended: Vec<PendingEvent>,
    pub(super) jobs_enqueued: bool,
    /// Whether this job holds the assignment lock.
    assigning: bool,
}

impl<'d, 'c> PostgresTx<'d, 'c> {
    pub fn new(db: &'d Db<'c>, cipher: &'d SecretCipher, lock: Lock) -> Self {
        Self {
            db,
            cipher,
            lock,
            appended: Vec::new(),
            jobs_enqueued: false,
            assigning: false,
        }
    }

    /// Serializes automatic assignment across transactions and instances: an assignment reads
    /// where round robin stands or how many contacts each agent has open, then writes, and two
    /// of them at once would both pick from the same state. A transaction-level advisory lock;
    /// the reads after it (READ COMMITTED) see what the previous holder committed.
    fn lock_assignments(&mut self) -> StoreResult<()> {
        if self.lock == Lock::ForUpdate && !self.assigning {
            self.db.query_one(
                "SELECT pg_advisory_xact_lock($1)",
                &[&super::migrations::ASSIGNMENT_LOCK],
            )?;
            self.assigning = true;
        }
        Ok(())
    }
}

impl ReadTx for PostgresTx<'_, '_> {
    fn user(&mut self, id: &UserId) -> StoreResult<Option<UserRecord>> {
        users::by_id(self.db, id)
    }
    fn user_by_email(&mut self, email: &str) -> StoreResult<Option<UserRecord>> {
        users::by_email(self.db, email)
    }
    fn users(&mut self) -> StoreResult<Vec<UserRecord>> {
        users::all(self.db)
    }
    fn count_users(&mut self) -> StoreResult<u64> {
        users::count(self.db)
    }
    fn session(&mut self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        users::session(self.db, token_hash)
    }
    fn api_token(&mut self, digest: &str) -> StoreResult<Option<ApiTokenRecord>> {
        api_tokens::by_digest(self.db, digest)
    }
    fn custom_fields(&mut self) -> StoreResult<Vec<CustomField>> {
        custom_fields::all(self.db)
    }
    fn api_tokens(&mut self) -> StoreResult<Vec<ApiTokenRecord>> {
        api_tokens::active(self.db)
    }

    fn settings(&mut self) -> StoreResult<Settings> {
        workspace::settings(self.db)
    }
    fn meta(&mut self, key: &str) -> StoreResult<Option<String>> {
        workspace::meta(self.db, key)
    }
    fn channel(&mut self, id: &ChannelId) -> StoreResult<Option<ChannelRecord>> {
        workspace::channel(self.db, self.cipher, id)
    }
    fn channel_by_token(&mut self, api_token: &str) -> StoreResult<Option<ChannelRecord>> {
        workspace::channel_by_token(self.db, self.cipher, api_token)
    }
    fn channels(&mut self) -> StoreResult<Vec<ChannelRecord>> {
        workspace::channels(self.db, self.cipher)
    }
    fn categories(&mut self) -> StoreResult<Vec<ClosingNoteCategory>> {
        workspace::categories(self.db)
    }
    fn category(&mut self, id: &CategoryId) -> StoreResult<Option<ClosingNoteCategory>> {
        workspace::category(self.db, id)
    }
    fn category_by_name(&mut self, name: &str) -> StoreResult<Option<ClosingNoteCategory>> {
        workspace::category_by_name(self.db, name)
    }
    fn snippets(&mut self) -> StoreResult<Vec<Snippet>> {
        workspace::snippets(self.db)
    }
    fn snippet(&mut self, id: &SnippetId) -> StoreResult<Option<Snippet>> {
        workspace::snippet(self.db, id)
    }

    fn contact(&mut self, id: &ContactId) -> StoreResult<Option<Contact>> {
        contacts::by_id(self.db, id, self.lock)
    }
    fn contact_by_identity(
        &mut self,
        channel: &ChannelId,
        external_id: &str,
    ) -> StoreResult<Option<Contact>> {
        contacts::by_identity(self.db, channel, external_id, self.lock)
    }
    fn contacts(&mut self, query: &ContactQuery) -> StoreResult<Vec<Contact>> {
        contacts::query(self.db, query)
    }
    fn contact_by_address(&mut self, address: &ContactAddress) -> StoreResult<Option<Contact>> {
        contacts::by_address(self.db, address, self.lock)
    }
    fn contacts_in_scope(&mut self, scope: &Scope) -> StoreResult<Vec<Contact>> {
        contacts::in_scope(self.db, scope)
    }
    fn assignees_of(
        &mut self,
        ids: &[ContactId],
    ) -> StoreResult<std::collections::HashMap<ContactId, Option<UserId>>> {
        contacts::assignees_of(self.db, ids)
    }
    fn contact_external_id(
        &mut self,
        contact: &ContactId,
        channel: &ChannelId,
    ) -> StoreResult<Option<String>> {
        contacts::external_id(self.db, contact, channel)
    }

    fn conversation(&mut self, id: &ConversationId) -> StoreResult<Option<Conversation>> {
        conversations::by_id(self.db, id, self.lock)
    }
    fn conversations_of(&mut self, contact: &ContactId) -> StoreResult<Vec<Conversation>> {
        conversations::of_contact(self.db, contact)
    }
    fn conversations_in_scope(&mut self, scope: &Scope) -> StoreResult<Vec<Conversation>> {
        conversations::in_scope(self.db, scope)
    }

    fn message(&mut self, id: &MessageId) -> StoreResult<Option<Message>> {
        messages::by_id(self.db, id, self.lock)
    }
    fn outgoing_pending_before(
        &mut self,
        contact: &ContactId,
        message: &MessageId,
    ) -> StoreResult<bool> {
        messages::outgoing_pending_before(self.db, contact, message)
    }
    fn message_by_client_id(
        &mut self,
        user: &UserId,
        client_id: &ClientId,
    ) -> StoreResult<Option<Message>> {
        messages::by_client_id(self.db, user, client_id)
    }
    fn message_by_external_id(
        &mut self,
        channel: &ChannelId,
        direction: Direction,
        external_id: &str,
    ) -> StoreResult<Option<Message>> {
        messages::by_external_id(self.db, channel, direction, external_id, self.lock)
    }
    fn message_exists_by_external_id(
        &mut self,
        channel: &ChannelId,
        direction: Direction,
        external_id: &str,
    ) -> StoreResult<bool> {
        messages::exists_by_external_id(self.db, channel, direction, external_id)
    }
    fn messages_page(
        &mut self,
        contact: &ContactId,
        before: Option<&MessageId>,
        limit: usize,
    ) -> StoreResult<Vec<Message>> {
        messages::page(self.db, contact, before, limit)
    }
    fn messages_of(&mut self, contact: &ContactId) -> StoreResult<Vec<Message>> {
        messages::of_contact(self.db, contact)
    }

    fn comments_of(&mut self, contact: &ContactId) -> StoreResult<Vec<Comment>> {
        messages::comments_of(self.db, contact)
    }
    fn comment_by_client_id(
        &mut self,
        author: &UserId,
        client_id: &ClientId,
    ) -> StoreResult<Option<Comment>> {
        messages::comment_by_client_id(self.db, author, client_id)
    }

    fn file(&mut self, id: &FileId) -> StoreResult<Option<FileRecord>> {
        messages::file(self.db, id)
    }
    fn file_by_legacy_id(&mut self, legacy: i64) -> StoreResult<Option<FileRecord>> {
        messages::file_by_legacy_id(self.db, legacy)
    }
    fn file_attached_to(&mut self, file: &FileId, contact: &ContactId) -> StoreResult<bool> {
        Ok(messages::contacts_with_file(self.db, file)?.contains(contact))
    }
    fn contacts_with_file(&mut self, file: &FileId) -> StoreResult<Vec<ContactId>> {
        messages::contacts_with_file(self.db, file)
    }

    fn events_after(&mut self, since: Seq, limit: usize) -> StoreResult<Vec<LogEvent>> {
        events::after(self.db, since, limit)
    }
    fn last_seq(&mut self) -> StoreResult<Seq> {
        events::last_seq(self.db)
    }
    fn log_floor(&mut self) -> StoreResult<Seq> {
        events::floor(self.db)
    }
    fn seq_before(&mut self, at: Timestamp) -> StoreResult<Seq> {
        events::seq_before(self.db, at)
    }

    fn workflows(&mut self) -> StoreResult<Vec<Workflow>> {
        automation::workflows(self.db)
    }
    fn workflow(&mut self, id: &WorkflowId) -> StoreResult<Option<Workflow>> {
        automation::workflow(self.db, id)
    }
    fn workflows_for(&mut self, trigger: Trigger) -> StoreResult<Vec<Workflow>> {
        automation::workflows_for(self.db, trigger)
    }
    fn round_robin_last(&mut self, workflow: &WorkflowId) -> StoreResult<Option<UserId>> {
        automation::round_robin_last(self.db, workflow)
    }
    fn open_contact_counts(&mut self) -> StoreResult<std::collections::HashMap<UserId, u32>> {
        automation::open_contact_counts(self.db)
    }
    fn fact(&mut self, conversation: &ConversationId) -> StoreResult<Option<ConversationFact>> {
        automation::fact(self.db, conversation)
    }
    fn facts_after(&mut self, after: i64, limit: usize) -> StoreResult<Vec<ConversationFact>> {
        automation::facts_after(self.db, after, limit)
    }
    fn facts_of(&mut self, conversations: &[ConversationId]) -> StoreResult<Vec<ConversationFact>> {
        automation::facts_of(self.db, conversations)
    }
    fn integration_webhooks(&mut self) -> StoreResult<Vec<IntegrationWebhookRecord>> {
        automation::integration_webhooks(self.db, self.cipher)
    }
    fn integration_webhook(&mut self, id: &str) -> StoreResult<Option<IntegrationWebhookRecord>> {
        automation::integration_webhook(self.db, self.cipher, id)
    }

    fn due_jobs(&mut self, now: Timestamp, limit: usize) -> StoreResult<Vec<JobRecord>> {
        jobs::due(self.db, now, limit)
    }
    fn next_job_time(&mut self) -> StoreResult<Option<Timestamp>> {
        jobs::next_time(self.db)
    }

    fn stream_presence(&mut self) -> StoreResult<Vec<StreamPresenceRecord>> {
        presence::all(self.db)
    }
}

impl WriteTx for PostgresTx<'_, '_> {
    fn insert_user(&mut self, user: &NewUser) -> StoreResult<UserRecord> {
        users::insert(self.db, user)
    }
    fn update_user(&mut self, user: &UserRecord) -> StoreResult<()> {
        users::update(self.db, user)
    }
    fn insert_session(&mut self, session: &SessionRecord) -> StoreResult<()> {
        users::insert_session(self.db, session)
    }
    fn delete_session(&mut self, token_hash: &str) -> StoreResult<bool> {
        users::delete_session(self.db, token_hash)
    }
    fn delete_sessions_of(&mut self, user: &UserId) -> StoreResult<()> {
        users::delete_sessions_of(self.db, user)
    }
    fn delete_other_sessions(&mut self, user: &UserId, keep: &str) -> StoreResult<()> {
        users::delete_other_sessions(self.db, user, keep)
    }
    fn touch_session(&mut self, token_hash: &str, at: Timestamp) -> StoreResult<()> {
        users::touch_session(self.db, token_hash, at)
    }
    fn insert_api_token(&mut self, token: &ApiTokenRecord) -> StoreResult<ApiTokenRecord> {
        api_tokens::insert(self.db, token)
    }
    fn insert_custom_field(&mut self, field: &CustomField) -> StoreResult<CustomField> {
        custom_fields::insert(self.db, field)
    }
    fn revoke_api_token(&mut self, id: &str, at: Timestamp) -> StoreResult<bool> {
        api_tokens::revoke(self.db, id, at)
    }
    fn touch_api_token(&mut self, id: &str, at: Timestamp) -> StoreResult<()> {
        api_tokens::touch(self.db, id, at)
    }

    fn put_settings(&mut self, settings: &Settings) -> StoreResult<()> {
        workspace::put_settings(self.db, settings)
    }
    fn put_meta(&mut self, key: &str, value: &str) -> StoreResult<()> {
        workspace::put_meta(self.db, key, value)
    }
    fn update_channel(&mut self, channel: &ChannelRecord) -> StoreResult<()> {
        workspace::update_channel(self.db, channel)
    }
    fn insert_channel(&mut self, channel: &NewChannelRecord) -> StoreResult<ChannelRecord> {
        workspace::insert_channel(self.db, self.cipher, channel)
    }
    fn insert_category(
        &mut self,
        name: &str,
        description: &str,
    ) -> StoreResult<ClosingNoteCategory> {
        workspace::insert_category(self.db, name, description)
    }
    fn update_category(&mut self, category: &ClosingNoteCategory) -> StoreResult<()> {
        workspace::update_category(self.db, category)
    }
    fn delete_category(&mut self, id: &CategoryId) -> StoreResult<bool> {
        workspace::delete_category(self.db, id)
    }
    fn insert_snippet(&mut self, name: &str, shortcut: &str, text: &str) -> StoreResult<Snippet> {
        workspace::insert_snippet(self.db, name, shortcut, text)
    }
    fn update_snippet(&mut self, snippet: &Snippet) -> StoreResult<()> {
        workspace::update_snippet(self.db, snippet)
    }
    fn delete_snippet(&mut self, id: &SnippetId) -> StoreResult<bool> {
        workspace::delete_snippet(self.db, id)
    }

    fn insert_contact(&mut self, contact: &NewContact) -> StoreResult<Contact> {
        contacts::insert(self.db, contact)
    }
    fn update_contact(&mut self, contact: &Contact) -> StoreResult<()> {
        contacts::update(self.db, contact)
    }
    fn add_contact_identity(
        &mut self,
        contact: &ContactId,
        channel: &ChannelId,
        external_id: &str,
    ) -> StoreResult<()> {
        contacts::add_identity(self.db, contact, channel, external_id)
    }
    fn delete_contact(&mut self, id: &ContactId) -> StoreResult<()> {
        contacts::delete(self.db, id)
    }
    fn move_contact_history(&mut self, from: &ContactId, to: &ContactId) -> StoreResult<()> {
        contacts::move_history(self.db, from, to)
    }

    fn insert_conversation(&mut self, conversation: &NewConversation) -> StoreResult<Conversation> {
        conversations::insert(self.db, conversation)
    }
    fn update_conversation(&mut self, conversation: &Conversation) -> StoreResult<()> {
        conversations::update(self.db, conversation)
    }

    fn insert_message(&mut self, message: &NewMessage) -> StoreResult<Message> {
        messages::insert(self.db, message)
    }
    fn update_message(&mut self, message: &Message) -> StoreResult<()> {
        messages::update(self.db, message)
    }
    fn set_message_external_id(&mut self, id: &MessageId, external_id: &str) -> StoreResult<()> {
        messages::set_external_id(self.db, id, external_id)
    }

    fn insert_comment(&mut self, comment: &NewCommentRecord) -> StoreResult<Comment> {
        messages::insert_comment(self.db, comment)
    }
    fn insert_file(&mut self, file: &FileRecord) -> StoreResult<FileRecord> {
        messages::insert_file(self.db, file)
    }

    fn append_event(
        &mut self,
        payload: &EventPayload,
        at: Timestamp,
        assignee: Option<&UserId>,
    ) -> StoreResult<()> {
        // The seq is given at commit (events::write_pending).
        self.appended
            .push(PendingEvent::new(payload, at, assignee)?);
        Ok(())
    }
    fn prune_events(&mut self, upto: Seq) -> StoreResult<u64> {
        events::prune(self.db, upto)
    }

    fn insert_workflow(&mut self, input: &WorkflowInput) -> StoreResult<Workflow> {
        automation::insert_workflow(self.db, input)
    }
    fn update_workflow(&mut self, workflow: &Workflow) -> StoreResult<()> {
        automation::update_workflow(self.db, workflow)
    }
    fn delete_workflow(&mut self, id: &WorkflowId) -> StoreResult<bool> {
        automation::delete_workflow(self.db, id)
    }
    fn lock_assignment(&mut self) -> StoreResult<()> {
        self.lock_assignments()
    }
    fn set_round_robin_last(&mut self, workflow: &WorkflowId, user: &UserId) -> StoreResult<()> {
        automation::set_round_robin_last(self.db, workflow, user)
    }
    fn upsert_fact(&mut self, fact: &ConversationFact) -> StoreResult<()> {
        automation::upsert_fact(self.db, fact)
    }
    fn insert_integration_webhook(
        &mut self,
        webhook: &IntegrationWebhookRecord,
    ) -> StoreResult<IntegrationWebhookRecord> {
        automation::insert_integration_webhook(self.db, self.cipher, webhook)
    }
    fn delete_integration_webhook(&mut self, id: &str) -> StoreResult<bool> {
        automation::delete_integration_webhook(self.db, id)
    }

    fn enqueue_job(&mut self, kind: &str, payload: &str, run_at: Timestamp) -> StoreResult<i64> {
        self.jobs_enqueued = true;
        jobs::enqueue(self.db, kind, payload, run_at)
    }
    fn advance_job(&mut self, id: i64, run_at: Timestamp, payload: &str) -> StoreResult<()> {
        jobs::advance(self.db, id, run_at, payload)
    }
    fn claim_jobs(
        &mut self,
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<JobRecord>> {
        jobs::claim(self.db, owner, now, lease_until, limit)
    }
    fn renew_job_leases(
        &mut self,
        owner: &str,
        ids: &[i64],
        lease_until: Timestamp,
    ) -> StoreResult<u64> {
        jobs::renew(self.db, owner, ids, lease_until)
    }
    fn put_stream_presence(&mut self, p: &StreamPresenceRecord) -> StoreResult<()> {
        presence::put(self.db, p)
    }
    fn heartbeat_instance(&mut self, instance: &str, at: Timestamp) -> StoreResult<()> {
        presence::heartbeat(self.db, instance, at)
    }
    fn finish_job(&mut self, id: i64) -> StoreResult<()> {
        jobs::finish(self.db, id)
    }
    fn retry_job(
        &mut self,
        id: i64,
        run_at: Timestamp,
        error: &str,
        payload: Option<&str>,
    ) -> StoreResult<()> {
        jobs::retry(self.db, id, run_at, error, payload)
    }
}
