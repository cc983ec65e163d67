//! Rows as the store holds them where they differ from the wire types: secrets the API never
//! shows, inputs for inserts, and the event log's own row.

use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use axum::extract::ws::Utf8Bytes;

use messenger_protocol::{
    Activity, Actor, ActorKind, Attachment, Channel, ChannelCredentials, ChannelId, ChannelKind,
    ClientId, ContactId, ContactProfile, ConversationId, Delivery, Direction, FileId, Role, Seq,
    Timestamp, User, UserId, UserStatus,
};

/// A workspace access token of the Developer API; only the digest of the token is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiTokenRecord {
    pub id: String,
    pub name: String,
    pub digest: String,
    /// The token's last characters, to tell tokens apart.
    pub hint: String,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// How a contact is addressed by the Developer API besides its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContactAddress {
    /// Compared without regard to case.
    Email(String),
    /// Compared by its digits alone (`+`, spaces, dashes, dots and brackets ignored), with the
    /// contact's phone or its id on a channel.
    Phone(String),
}

impl ContactAddress {
    /// A phone number as it is compared: its digits.
    pub fn phone_key(phone: &str) -> String {
        phone.chars().filter(char::is_ascii_digit).collect()
    }
}

/// [`ContactAddress::phone_key`] in SQL, for the separators people write (a phone with other
/// characters in it is not found by its digits).
pub(crate) fn phone_key_sql(column: &str) -> String {
    let mut sql = column.to_owned();
    for c in ["+", " ", "-", ".", "(", ")", "/"] {
        sql = format!("replace({sql}, '{c}', '')");
    }
    sql
}

/// The statement (with `$1`) that finds the oldest contact with an address, and its parameter:
/// the same SQL for every store. A phone also finds the contact whose id on a channel is that
/// number (respond.io's `contactId` is often the phone). A full scan, fine for the Developer
/// API's look-ups.
pub fn address_lookup(address: &ContactAddress) -> (String, String) {
    match address {
        ContactAddress::Email(email) => (
            "SELECT id FROM contacts WHERE lower(email) = lower($1) ORDER BY id LIMIT 1".into(),
            email.trim().to_owned(),
        ),
        ContactAddress::Phone(phone) => (
            format!(
                "SELECT id FROM contacts WHERE {} = $1 \
                 UNION SELECT contact_id FROM contact_channels WHERE {} = $1 \
                 ORDER BY 1 LIMIT 1",
                phone_key_sql("phone"),
                phone_key_sql("external_id")
            ),
            ContactAddress::phone_key(phone),
        ),
    }
}

#[derive(Clone, Debug)]
pub struct UserRecord {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub status: UserStatus,
    /// PHC string (argon2id).
    pub password_hash: String,
    pub active: bool,
    /// What the user chose (online or busy); `status` is offline while they are away.
    pub chosen_status: UserStatus,
    pub created_at: Timestamp,
}

impl UserRecord {
    pub fn to_api(&self) -> User {
        User {
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role,
            status: self.status,
            active: self.active,
            capabilities: crate::domain::capabilities::of(self.role),
        }
    }
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: Timestamp,
}

/// A signed-in session. Only the SHA-256 of the bearer token is stored, so a copy of the
/// database does not let anyone sign in.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: UserId,
    pub created_at: Timestamp,
    pub last_used_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct ChannelRecord {
    pub id: ChannelId,
    pub name: String,
    pub kind: ChannelKind,
    pub supports_voice: bool,
    pub outbound_url: Option<String>,
    pub bot_url: Option<String>,
    pub api_token: String,
    pub signing_secret: String,
    pub allow_private_network: bool,
    pub created_at: Timestamp,
}

impl ChannelRecord {
    /// The channel as the API shows it; `webhook_base` adds the credentials (admins only).
    pub fn to_api(&self, webhook_base: Option<&str>) -> Channel {
        Channel {
            id: self.id.clone(),
            name: self.name.clone(),
            kind: self.kind,
            supports_voice: self.supports_voice,
            outbound_url: self.outbound_url.clone(),
            bot_url: self.bot_url.clone(),
            created_at: self.created_at,
            credentials: webhook_base.map(|base| ChannelCredentials {
                api_token: self.api_token.clone(),
                webhook_url: format!("{base}/api/v1/custom-channel/webhook"),
                signing_secret: self.signing_secret.clone(),
            }),
        }
    }
}

#[derive(Clone, Debug)]
pub struct NewChannelRecord {
    pub name: String,
    pub kind: ChannelKind,
    pub supports_voice: bool,
    pub outbound_url: Option<String>,
    pub bot_url: Option<String>,
    pub api_token: String,
    pub signing_secret: String,
    pub allow_private_network: bool,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct NewContact {
    pub name: String,
    pub first_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub profile: ContactProfile,
    pub custom_fields: std::collections::BTreeMap<String, String>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct NewConversation {
    pub contact_id: ContactId,
    pub channel_id: Option<ChannelId>,
    pub opened_at: Timestamp,
    pub opened_by: Actor,
}

#[derive(Clone, Debug)]
pub struct NewMessage {
    pub contact_id: ContactId,
    pub conversation_id: Option<ConversationId>,
    pub channel_id: Option<ChannelId>,
    pub direction: Direction,
    pub sender: Actor,
    pub client_id: Option<ClientId>,
    /// The provider's mId (incoming) — outgoing ones get theirs once sent.
    pub external_id: Option<String>,
    pub text: String,
    pub attachments: Vec<Attachment>,
    pub delivery: Delivery,
    pub activity: Option<Activity>,
    pub created_at: Timestamp,
    /// The sender's own time (see `Message::sent_at`).
    pub sent_at: Option<Timestamp>,
}

impl NewMessage {
    /// An echo's mId, stored apart so that a repeated echo is stored once while our own
    /// outgoing messages' mIds may repeat (see SQLite's migration 7).
    pub fn echo_mid(&self) -> Option<&str> {
        (self.sender.kind == ActorKind::Channel)
            .then_some(self.external_id.as_deref())
            .flatten()
    }
}

#[derive(Clone, Debug)]
pub struct NewCommentRecord {
    pub contact_id: ContactId,
    /// A user, or a workflow.
    pub author: Actor,
    pub client_id: Option<ClientId>,
    pub text: String,
    pub mentions: Vec<UserId>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct FileRecord {
    pub id: FileId,
    pub sha256: String,
    pub size: u64,
    pub mime: String,
    pub name: String,
    pub uploaded_by: Option<UserId>,
    pub created_at: Timestamp,
}

/// One row of the event log, with its data already serialised (it is sent as is).
#[derive(Clone, Debug)]
pub struct LogEvent {
    pub seq: Seq,
    pub kind: String,
    pub at: Timestamp,
    pub contact_id: Option<ContactId>,
    /// The contact's assignee when the event was written (visibility is judged on it).
    pub assignee_id: Option<UserId>,
    /// The `data` member, as JSON text.
    pub data: Arc<str>,
    /// The whole frame as a WebSocket text, built by the first reader that sends it and shared
    /// by the others (a commit fans out to every connected stream). Stores leave it empty.
    pub frame: OnceLock<Utf8Bytes>,
}

impl LogEvent {
    /// Appends the event as one JSON text frame, `{"seq", "type", "at", "data"}`, to `out` (a
    /// page of `/sync` is built so).
    pub fn write_json(&self, out: &mut String) {
        // Writing into a String cannot fail.
        let _ = write!(
            out,
            r#"{{"seq":{},"type":"{}","at":"{}","data":{}}}"#,
            self.seq, self.kind, self.at, self.data
        );
    }

    /// The frame of [`LogEvent::write_json`], built once per event however many readers send
    /// it.
    pub fn shared_frame(&self) -> Utf8Bytes {
        self.frame
            .get_or_init(|| {
                let mut out = String::with_capacity(self.data.len() + self.kind.len() + 64);
                self.write_json(&mut out);
                Utf8Bytes::from(out)
            })
            .clone()
    }
}

/// A job of the durable queue.
#[derive(Clone, Debug)]
pub struct JobRecord {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub run_at: Timestamp,
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// One server instance's live event streams of one user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamPresenceRecord {
    pub instance_id: String,
    pub user_id: UserId,
    pub connections: u32,
    /// When the instance's last stream of the user ended.
    pub left_at: Option<Timestamp>,
    /// The instance's last sign of life; rows of a silent instance no longer count.
    pub heartbeat_at: Timestamp,
}

/// Which contacts a reader may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    AssignedToOrUnassigned(UserId),
    AssignedTo(UserId),
}

/// `GET /contacts` as the store answers it.
#[derive(Clone, Debug)]
pub struct ContactQuery {
    pub scope: Scope,
    pub view: messenger_protocol::ContactView,
    pub me: UserId,
    pub status: messenger_protocol::StatusFilter,
    pub text: Option<String>,
    /// Continue after this (activity millis, id); with [`ContactOrder::Newest`], the id alone.
    pub after: Option<(i64, i64)>,
    pub limit: usize,
    pub order: ContactOrder,
}

/// The order of a page of contacts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ContactOrder {
    /// The inbox's: the latest activity first.
    #[default]
    Activity,
    /// The newest contact first: an order that does not move while it is paged through.
    Newest,
}

/// The reporting facts of one conversation (see `reports`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationFact {
    pub conversation_id: ConversationId,
    pub opened_at: Timestamp,
    /// The contact's assignee when the conversation opened.
    pub opened_assignee: Option<UserId>,
    pub first_response_at: Option<Timestamp>,
    /// The user whose reply was the first response.
    pub responder_id: Option<UserId>,
    pub closed_at: Option<Timestamp>,
    /// The assignee when it closed, else the user who closed it.
    pub resolver_id: Option<UserId>,
}

/// A registered integration URL with its secret.
#[derive(Clone, Debug)]
pub struct IntegrationWebhookRecord {
    pub id: String,
    pub url: String,
    pub events: Vec<messenger_protocol::IntegrationEvent>,
    pub signing_secret: String,
    pub allow_private_network: bool,
    pub created_at: Timestamp,
}

impl IntegrationWebhookRecord {
    pub fn to_api(&self) -> messenger_protocol::IntegrationWebhook {
        messenger_protocol::IntegrationWebhook {
            id: self.id.clone(),
            url: self.url.clone(),
            events: self.events.clone(),
            signing_secret: self.signing_secret.clone(),
            created_at: self.created_at,
        }
    }
}

#[cfg(test)]
mod address_lookup_tests {
    use super::*;

    /// The look-ups use their indexes only while the statements compare exactly the indexed
    /// expressions.
    #[test]
    fn the_migrations_index_the_expressions_the_look_ups_compare() {
        let (email_sql, _) = address_lookup(&ContactAddress::Email("a@b".into()));
        assert!(
            email_sql.contains("lower(email) = lower($1)"),
            "{email_sql}"
        );
        for migration in [
            include_str!("sqlite/migrations/0007_respond_io_compatibility.sql"),
            include_str!("postgres/migrations/0003_respond_io_compatibility.sql"),
        ] {
            assert!(migration.contains("ON contacts (lower(email))"));
            assert!(migration.contains(&format!("ON contacts ({})", phone_key_sql("phone"))));
            assert!(migration.contains(&format!(
                "ON contact_channels ({})",
                phone_key_sql("external_id")
            )));
        }
        assert_eq!(
            ContactAddress::phone_key("+60 (12) 345-67.89"),
            "60123456789"
        );
    }
}
