//! [`SqliteTx`]: the store primitives over one open SQLite transaction.

use messenger_protocol::*;
use rusqlite::Connection;

use super::{
    api_tokens, automation, contacts, conversations, custom_fields, events, jobs, messages,
    presence, users, workspace,
};
use crate::secrets::SecretCipher;
use crate::store::*;

/// Borrowed for the length of one job; the caller owns the transaction and decides whether it
/// commits. Events appended here are handed to the writer, which publishes them after commit.
pub struct SqliteTx<'c> {
    conn: &'c Connection,
    /// Seals and opens the channel secrets this transaction writes and reads.
    cipher: &'c SecretCipher,
    pub(super) appended: Vec<LogEvent>,
    pub(super) jobs_enqueued: bool,
}

impl<'c> SqliteTx<'c> {
    pub fn new(conn: &'c Connection, cipher: &'c SecretCipher) -> Self {
        Self {
            conn,
            cipher,
            appended: Vec::new(),
            jobs_enqueued: false,
        }
    }
}

impl ReadTx for SqliteTx<'_> {
    fn user(&mut self, id: &UserId) -> StoreResult<Option<UserRecord>> {
        users::by_id(self.conn, id)
    }
    fn user_by_email(&mut self, email: &str) -> StoreResult<Option<UserRecord>> {
        users::by_email(self.conn, email)
    }
    fn users(&mut self) -> StoreResult<Vec<UserRecord>> {
        users::all(self.conn)
    }
    fn count_users(&mut self) -> StoreResult<u64> {
        users::count(self.conn)
    }
    fn session(&mut self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        users::session(self.conn, token_hash)
    }
    fn api_token(&mut self, digest: &str) -> StoreResult<Option<ApiTokenRecord>> {
        api_tokens::by_digest(self.conn, digest)
    }
    fn custom_fields(&mut self) -> StoreResult<Vec<CustomField>> {
        custom_fields::all(self.conn)
    }
    fn api_tokens(&mut self) -> StoreResult<Vec<ApiTokenRecord>> {
        api_tokens::active(self.conn)
    }

    fn settings(&mut self) -> StoreResult<Settings> {
        workspace::settings(self.conn)
    }
    fn meta(&mut self, key: &str) -> StoreResult<Option<String>> {
        workspace::meta(self.conn, key)
    }
    fn channel(&mut self, id: &ChannelId) -> StoreResult<Option<ChannelRecord>> {
        workspace::channel(self.conn, self.cipher, id)
    }
    fn channel_by_token(&mut self, api_token: &str) -> StoreResult<Option<ChannelRecord>> {
        workspace::channel_by_token(self.conn, self.cipher, api_token)
    }
    fn channels(&mut self) -> StoreResult<Vec<ChannelRecord>> {
        workspace::channels(self.conn, self.cipher)
    }
    fn categories(&mut self) -> StoreResult<Vec<ClosingNoteCategory>> {
        workspace::categories(self.conn)
    }
    fn category(&mut self, id: &CategoryId) -> StoreResult<Option<ClosingNoteCategory>> {
        workspace::category(self.conn, id)
    }
    fn category_by_name(&mut self, name: &str) -> StoreResult<Option<ClosingNoteCategory>> {
        workspace::category_by_name(self.conn, name)
    }
    fn snippets(&mut self) -> StoreResult<Vec<Snippet>> {
        workspace::snippets(self.conn)
    }
    fn snippet(&mut self, id: &SnippetId) -> StoreResult<Option<Snippet>> {
        workspace::snippet(self.conn, id)
    }

    fn contact(&mut self, id: &ContactId) -> StoreResult<Option<Contact>> {
        contacts::by_id(self.conn, id)
    }
    fn contact_by_identity(
        &mut self,
        channel: &ChannelId,
        external_id: &str,
    ) -> StoreResult<Option<Contact>> {
        contacts::by_identity(self.conn, channel, external_id)
    }
    fn contacts(&mut self, query: &ContactQuery) -> StoreResult<Vec<Contact>> {
        contacts::query(self.conn, query)
    }
    fn contact_by_address(&mut self, address: &ContactAddress) -> StoreResult<Option<Contact>> {
        contacts::by_address(self.conn, address)
    }
    fn contacts_in_scope(&mut self, scope: &Scope) -> StoreResult<Vec<Contact>> {
        contacts::in_scope(self.conn, scope)
    }
    fn assignees_of(
        &mut self,
        ids: &[ContactId],
    ) -> StoreResult<std::collections::HashMap<ContactId, Option<UserId>>> {
        contacts::assignees_of(self.conn, ids)
    }
    fn contact_external_id(
        &mut self,
        contact: &ContactId,
        channel: &ChannelId,
    ) -> StoreResult<Option<String>> {
        contacts::external_id(self.conn, contact, channel)
    }

    fn conversation(&mut self, id: &ConversationId) -> StoreResult<Option<Conversation>> {
        conversations::by_id(self.conn, id)
    }
    fn conversations_of(&mut self, contact: &ContactId) -> StoreResult<Vec<Conversation>> {
        conversations::of_contact(self.conn, contact)
    }
    fn conversations_in_scope(&mut self, scope: &Scope) -> StoreResult<Vec<Conversation>> {
        conversations::in_scope(self.conn, scope)
    }

    fn message(&mut self, id: &MessageId) -> StoreResult<Option<Message>> {
        messages::by_id(self.conn, id)
    }
    fn outgoing_pending_before(
        &mut self,
        contact: &ContactId,
        message: &MessageId,
    ) -> StoreResult<bool> {
        messages::outgoing_pending_before(self.conn, contact, message)
    }
    fn message_by_client_id(
        &mut self,
        user: &UserId,
        client_id: &ClientId,
    ) -> StoreResult<Option<Message>> {
        messages::by_client_id(self.conn, user, client_id)
    }
    fn message_by_external_id(
        &mut self,
        channel: &ChannelId,
        direction: Direction,
        external_id: &str,
    ) -> StoreResult<Option<Message>> {
        messages::by_external_id(self.conn, channel, direction, external_id)
    }
    fn message_exists_by_external_id(
        &mut self,
        channel: &ChannelId,
        direction: Direction,
        external_id: &str,
    ) -> StoreResult<bool> {
        messages::exists_by_external_id(self.conn, channel, direction, external_id)
    }
    fn messages_page(
        &mut self,
        contact: &ContactId,
        before: Option<&MessageId>,
        limit: usize,
    ) -> StoreResult<Vec<Message>> {
        messages::page(self.conn, contact, before, limit)
    }
    fn messages_of(&mut self, contact: &ContactId) -> StoreResult<Vec<Message>> {
        messages::of_contact(self.conn, contact)
    }

    fn comments_of(&mut self, contact: &ContactId) -> StoreResult<Vec<Comment>> {
        messages::comments_of(self.conn, contact)
    }
    fn comment_by_client_id(
        &mut self,
        author: &UserId,
        client_id: &ClientId,
    ) -> StoreResult<Option<Comment>> {
        messages::comment_by_client_id(self.conn, author, client_id)
    }

    fn file(&mut self, id: &FileId) -> StoreResult<Option<FileRecord>> {
        messages::file(self.conn, id)
    }
    fn file_by_legacy_id(&mut self, legacy: i64) -> StoreResult<Option<FileRecord>> {
        messages::file_by_legacy_id(self.conn, legacy)
    }
    fn file_attached_to(&mut self, file: &FileId, contact: &ContactId) -> StoreResult<bool> {
        Ok(messages::contacts_with_file(self.conn, file)?.contains(contact))
    }
    fn contacts_with_file(&mut self, file: &FileId) -> StoreResult<Vec<ContactId>> {
        messages::contacts_with_file(self.conn, file)
    }

    fn events_after(&mut self, since: Seq, limit: usize) -> StoreResult<Vec<LogEvent>> {
        events::after(self.conn, since, limit)
    }
    fn last_seq(&mut self) -> StoreResult<Seq> {
        events::last_seq(self.conn)
    }
    fn log_floor(&mut self) -> StoreResult<Seq> {
        events::floor(self.conn)
    }
    fn seq_before(&mut self, at: Timestamp) -> StoreResult<Seq> {
        events::seq_before(self.conn, at)
    }

    fn workflows(&mut self) -> StoreResult<Vec<Workflow>> {
        automation::workflows(self.conn)
    }
    fn workflow(&mut self, id: &WorkflowId) -> StoreResult<Option<Workflow>> {
        automation::workflow(self.conn, id)
    }
    fn workflows_for(&mut self, trigger: Trigger) -> StoreResult<Vec<Workflow>> {
        automation::workflows_for(self.conn, trigger)
    }
    fn round_robin_last(&mut self, workflow: &WorkflowId) -> StoreResult<Option<UserId>> {
        automation::round_robin_last(self.conn, workflow)
    }
    fn open_contact_counts(&mut self) -> StoreResult<std::collections::HashMap<UserId, u32>> {
        automation::open_contact_counts(self.conn)
    }
    fn fact(&mut self, conversation: &ConversationId) -> StoreResult<Option<ConversationFact>> {
        automation::fact(self.conn, conversation)
    }
    fn facts_after(&mut self, after: i64, limit: usize) -> StoreResult<Vec<ConversationFact>> {
        automation::facts_after(self.conn, after, limit)
    }
    fn facts_of(&mut self, conversations: &[ConversationId]) -> StoreResult<Vec<ConversationFact>> {
        automation::facts_of(self.conn, conversations)
    }
    fn integration_webhooks(&mut self) -> StoreResult<Vec<IntegrationWebhookRecord>> {
        automation::integration_webhooks(self.conn, self.cipher)
    }
    fn integration_webhook(&mut self, id: &str) -> StoreResult<Option<IntegrationWebhookRecord>> {
        automation::integration_webhook(self.conn, self.cipher, id)
    }

    fn due_jobs(&mut self, now: Timestamp, limit: usize) -> StoreResult<Vec<JobRecord>> {
        jobs::due(self.conn, now, limit)
    }
    fn next_job_time(&mut self) -> StoreResult<Option<Timestamp>> {
        jobs::next_time(self.conn)
    }

    fn stream_presence(&mut self) -> StoreResult<Vec<StreamPresenceRecord>> {
        presence::all(self.conn)
    }
}

impl WriteTx for SqliteTx<'_> {
    fn insert_user(&mut self, user: &NewUser) -> StoreResult<UserRecord> {
        users::insert(self.conn, user)
    }
    fn update_user(&mut self, user: &UserRecord) -> StoreResult<()> {
        users::update(self.conn, user)
    }
    fn insert_session(&mut self, session: &SessionRecord) -> StoreResult<()> {
        users::insert_session(self.conn, session)
    }
    fn delete_session(&mut self, token_hash: &str) -> StoreResult<bool> {
        users::delete_session(self.conn, token_hash)
    }
    fn delete_sessions_of(&mut self, user: &UserId) -> StoreResult<()> {
        users::delete_sessions_of(self.conn, user)
    }
    fn delete_other_sessions(&mut self, user: &UserId, keep: &str) -> StoreResult<()> {
        users::delete_other_sessions(self.conn, user, keep)
    }
    fn touch_session(&mut self, token_hash: &str, at: Timestamp) -> StoreResult<()> {
        users::touch_session(self.conn, token_hash, at)
    }
    fn insert_api_token(&mut self, token: &ApiTokenRecord) -> StoreResult<ApiTokenRecord> {
        api_tokens::insert(self.conn, token)
    }
    fn insert_custom_field(&mut self, field: &CustomField) -> StoreResult<CustomField> {
        custom_fields::insert(self.conn, field)
    }
    fn revoke_api_token(&mut self, id: &str, at: Timestamp) -> StoreResult<bool> {
        api_tokens::revoke(self.conn, id, at)
    }
    fn touch_api_token(&mut self, id: &str, at: Timestamp) -> StoreResult<()> {
        api_tokens::touch(self.conn, id, at)
    }

    fn put_settings(&mut self, settings: &Settings) -> StoreResult<()> {
        workspace::put_settings(self.conn, settings)
    }
    fn put_meta(&mut self, key: &str, value: &str) -> StoreResult<()> {
        workspace::put_meta(self.conn, key, value)
    }
    fn update_channel(&mut self, channel: &ChannelRecord) -> StoreResult<()> {
        workspace::update_channel(self.conn, channel)
    }
    fn insert_channel(&mut self, channel: &NewChannelRecord) -> StoreResult<ChannelRecord> {
        workspace::insert_channel(self.conn, self.cipher, channel)
    }
    fn insert_category(
        &mut self,
        name: &str,
        description: &str,
    ) -> StoreResult<ClosingNoteCategory> {
        workspace::insert_category(self.conn, name, description)
    }
    fn update_category(&mut self, category: &ClosingNoteCategory) -> StoreResult<()> {
        workspace::update_category(self.conn, category)
    }
    fn delete_category(&mut self, id: &CategoryId) -> StoreResult<bool> {
        workspace::delete_category(self.conn, id)
    }
    fn insert_snippet(&mut self, name: &str, shortcut: &str, text: &str) -> StoreResult<Snippet> {
        workspace::insert_snippet(self.conn, name, shortcut, text)
    }
    fn update_snippet(&mut self, snippet: &Snippet) -> StoreResult<()> {
        workspace::update_snippet(self.conn, snippet)
    }
    fn delete_snippet(&mut self, id: &SnippetId) -> StoreResult<bool> {
        workspace::delete_snippet(self.conn, id)
    }

    fn insert_contact(&mut self, contact: &NewContact) -> StoreResult<Contact> {
        contacts::insert(self.conn, contact)
    }
    fn update_contact(&mut self, contact: &Contact) -> StoreResult<()> {
        contacts::update(self.conn, contact)
    }
    fn add_contact_identity(
        &mut self,
        contact: &ContactId,
        channel: &ChannelId,
        external_id: &str,
    ) -> StoreResult<()> {
        contacts::add_identity(self.conn, contact, channel, external_id)
    }
    fn delete_contact(&mut self, id: &ContactId) -> StoreResult<()> {
        contacts::delete(self.conn, id)
    }
    fn move_contact_history(&mut self, from: &ContactId, to: &ContactId) -> StoreResult<()> {
        contacts::move_history(self.conn, from, to)
    }

    fn insert_conversation(&mut self, conversation: &NewConversation) -> StoreResult<Conversation> {
        conversations::insert(self.conn, conversation)
    }
    fn update_conversation(&mut self, conversation: &Conversation) -> StoreResult<()> {
        conversations::update(self.conn, conversation)
    }

    fn insert_message(&mut self, message: &NewMessage) -> StoreResult<Message> {
        messages::insert(self.conn, message)
    }
    fn update_message(&mut self, message: &Message) -> StoreResult<()> {
        messages::update(self.conn, message)
    }
    fn set_message_external_id(&mut self, id: &MessageId, external_id: &str) -> StoreResult<()> {
        messages::set_external_id(self.conn, id, external_id)
    }

    fn insert_comment(&mut self, comment: &NewCommentRecord) -> StoreResult<Comment> {
        messages::insert_comment(self.conn, comment)
    }
    fn insert_file(&mut self, file: &FileRecord) -> StoreResult<FileRecord> {
        messages::insert_file(self.conn, file)
    }

    fn append_event(
        &mut self,
        payload: &EventPayload,
        at: Timestamp,
        assignee: Option<&UserId>,
    ) -> StoreResult<()> {
        let event = events::append(self.conn, payload, at, assignee)?;
        self.appended.push(event);
        Ok(())
    }
    fn prune_events(&mut self, upto: Seq) -> StoreResult<u64> {
        events::prune(self.conn, upto)
    }

    fn insert_workflow(&mut self, input: &WorkflowInput) -> StoreResult<Workflow> {
        automation::insert_workflow(self.conn, input)
    }
    fn update_workflow(&mut self, workflow: &Workflow) -> StoreResult<()> {
        automation::update_workflow(self.conn, workflow)
    }
    fn delete_workflow(&mut self, id: &WorkflowId) -> StoreResult<bool> {
        automation::delete_workflow(self.conn, id)
    }
    fn lock_assignment(&mut self) -> StoreResult<()> {
        // One writer thread runs every write transaction: assignment is serialized already.
        Ok(())
    }
    fn set_round_robin_last(&mut self, workflow: &WorkflowId, user: &UserId) -> StoreResult<()> {
        automation::set_round_robin_last(self.conn, workflow, user)
    }
    fn upsert_fact(&mut self, fact: &ConversationFact) -> StoreResult<()> {
        automation::upsert_fact(self.conn, fact)
    }
    fn insert_integration_webhook(
        &mut self,
        webhook: &IntegrationWebhookRecord,
    ) -> StoreResult<IntegrationWebhookRecord> {
        automation::insert_integration_webhook(self.conn, self.cipher, webhook)
    }
    fn delete_integration_webhook(&mut self, id: &str) -> StoreResult<bool> {
        automation::delete_integration_webhook(self.conn, id)
    }

    fn enqueue_job(&mut self, kind: &str, payload: &str, run_at: Timestamp) -> StoreResult<i64> {
        self.jobs_enqueued = true;
        jobs::enqueue(self.conn, kind, payload, run_at)
    }
    fn advance_job(&mut self, id: i64, run_at: Timestamp, payload: &str) -> StoreResult<()> {
        jobs::advance(self.conn, id, run_at, payload)
    }
    fn claim_jobs(
        &mut self,
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<JobRecord>> {
        jobs::claim(self.conn, owner, now, lease_until, limit)
    }
    fn renew_job_leases(
        &mut self,
        owner: &str,
        ids: &[i64],
        lease_until: Timestamp,
    ) -> StoreResult<u64> {
        jobs::renew(self.conn, owner, ids, lease_until)
    }
    fn put_stream_presence(&mut self, p: &StreamPresenceRecord) -> StoreResult<()> {
        presence::put(self.conn, p)
    }
    fn heartbeat_instance(&mut self, instance: &str, at: Timestamp) -> StoreResult<()> {
        presence::heartbeat(self.conn, instance, at)
    }
    fn finish_job(&mut self, id: i64) -> StoreResult<()> {
        jobs::finish(self.conn, id)
    }
    fn retry_job(
        &mut self,
        id: i64,
        run_at: Timestamp,
        error: &str,
        payload: Option<&str>,
    ) -> StoreResult<()> {
        jobs::retry(self.conn, id, run_at, error, payload)
    }
}
