//! What the agent shows the UI. These types cross the Tauri boundary and are generated into
//! TypeScript with the wire types (see `messenger_protocol::bindings`).

use std::path::Path;

use messenger_protocol::{
    Channel, ClosingNoteCategory, Comment, Contact, ContactId, Conversation, ConversationReport,
    CustomField, Message, Settings, Snippet, Timestamp, User, UserId,
};
use serde::{Deserialize, Serialize};
use ts_rs::{ExportError, TS};

/// The signed-in user and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Session {
    pub server_url: String,
    pub user: User,
}

/// Where the session token is kept, so the app can say so when it is not the OS keychain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TokenStorage {
    /// The OS keychain: Secret Service, macOS Keychain or Windows Credential Manager.
    Keychain,
    /// No keychain could be used: a file readable only by this user. `message` is the
    /// sentence to show.
    File {
        path: String,
        /// Turned off by `MESSENGER_AGENT_KEYCHAIN=off` rather than missing.
        turned_off: bool,
        message: String,
    },
}

impl TokenStorage {
    pub fn file(path: &Path, turned_off: bool) -> Self {
        let path = path.display().to_string();
        let why = if turned_off {
            "The system keychain is turned off (MESSENGER_AGENT_KEYCHAIN=off)"
        } else {
            "No system keychain (Secret Service) is available"
        };
        Self::File {
            message: format!("{why}; the session token is kept in {path} (readable only by you)"),
            path,
            turned_off,
        }
    }

    /// The sentence to tell the user, when there is something to tell.
    pub fn notice(&self) -> Option<&str> {
        match self {
            Self::Keychain => None,
            Self::File { message, .. } => Some(message),
        }
    }
}

/// What the sign-in form starts with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SignInDefaults {
    pub server_url: String,
    pub email: String,
}

/// An error as the UI shows it: a kind to branch on and a sentence to display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CommandError {
    pub kind: CommandErrorKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CommandErrorKind {
    /// The server could not be reached.
    Offline,
    /// The server refused (wrong password, not allowed, invalid input).
    Refused,
    /// The session is gone; sign in again.
    SignedOut,
    /// What was typed cannot be used.
    Invalid,
    /// Something failed on this computer or the server.
    Failed,
}

impl From<&crate::AgentError> for CommandError {
    fn from(e: &crate::AgentError) -> Self {
        use crate::AgentError as E;
        let kind = match e {
            E::Unreachable { .. } => CommandErrorKind::Offline,
            E::SignedOut => CommandErrorKind::SignedOut,
            e if e.is_auth_failure() => CommandErrorKind::SignedOut,
            E::Server { status, .. } if *status < 500 => CommandErrorKind::Refused,
            E::Invalid(_) => CommandErrorKind::Invalid,
            _ => CommandErrorKind::Failed,
        };
        Self {
            kind,
            message: e.to_string(),
        }
    }
}

/// The connection to the server, as the offline banner shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncState {
    pub status: SyncStatus,
    /// When the current status began (offline since …).
    pub since: Timestamp,
    /// While catching up: the share done, 0 to 1.
    pub progress: Option<f32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Events of types this version does not know, passed over since the cache began.
    #[ts(type = "number")]
    pub skipped_events: u64,
    /// Offline or stopped: when the next attempt starts (sooner on a retry asked for).
    pub retry_at: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    /// Live: events arrive as they happen.
    Online,
    /// Trying to reach the server.
    Connecting,
    /// Fetching what happened while away.
    CatchingUp,
    /// The server cannot be reached; everything shown comes from the cache.
    Offline,
    /// The server sent an event this version cannot read: the sync waits just before it
    /// (retrying) and `last_error` says which; what came before is shown.
    Stopped,
    /// The session ended on the server; sign in again.
    SignedOut,
}

/// Inbox sorting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum InboxSortOrder {
    #[default]
    Newest,
    Oldest,
    WaitingLongest,
}

/// One row of the contact list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct InboxRow {
    pub contact: Contact,
    /// Incoming messages not yet seen.
    pub unread: u32,
    /// The newest reply still in the outbox: the row previews it and sorts by its time.
    pub pending: Option<PendingReply>,
    /// Assignment or open/close on its way.
    pub changes: PendingChanges,
}

/// A reply written here and not yet confirmed by the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct PendingReply {
    pub text: String,
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct InboxPage {
    pub rows: Vec<InboxRow>,
    /// All rows of the view (for the scroll height).
    pub total: u32,
}

/// Counts for the inbox sidebar, for the chosen open/closed filter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct InboxCounts {
    pub all: u32,
    pub mine: u32,
    pub unassigned: u32,
    /// Views with unread messages get a dot.
    pub all_unread: bool,
    pub mine_unread: bool,
    pub unassigned_unread: bool,
}

/// The local state of something written but not yet confirmed by the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Pending {
    #[ts(type = "number")]
    pub outbox_id: i64,
    pub failed: bool,
    pub error: Option<String>,
    /// Why the server refused it, when it did.
    pub refusal: Option<Refusal>,
}

/// The server's refusal of an outbox item, kept with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Refusal {
    /// The server's error code (`forbidden`, `payload_too_large`, …).
    pub code: String,
    pub status: u16,
    /// The server's sentence.
    pub message: String,
    /// Whether sending it again may pass once the workspace has changed (the app offers
    /// Retry); otherwise only Discard helps.
    pub recoverable: bool,
}

impl Refusal {
    /// The refusal in a server's error; `None` for an error that is no refusal.
    pub fn of(error: &crate::error::AgentError) -> Option<Self> {
        match error {
            crate::error::AgentError::Server {
                status,
                code,
                message,
                may_pass_later,
            } if (400..500).contains(status) => Some(Self {
                code: code.clone(),
                status: *status,
                message: message.clone(),
                // A server that does not say: let the person try.
                recoverable: may_pass_later.unwrap_or(true),
            }),
            _ => None,
        }
    }
}

/// One entry of a contact's timeline: a message (activity entries included) or a comment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
// Most entries are messages: boxing them would only add an allocation to each.
#[allow(clippy::large_enum_variant)]
pub enum TimelineEntry {
    Message {
        message: Message,
        /// Set for a local echo still in the outbox.
        pending: Option<Pending>,
    },
    Comment {
        comment: Comment,
        pending: Option<Pending>,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct TimelinePage {
    /// Oldest first.
    pub entries: Vec<TimelineEntry>,
    /// Pass as `before` to read further back (from the cache).
    pub older_cursor: Option<String>,
    /// Whether the cache holds the contact's history back to its beginning.
    pub history_complete: bool,
}

/// The contact drawer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ContactDetails {
    pub contact: Contact,
    /// Oldest first.
    pub conversations: Vec<Conversation>,
    pub channels: Vec<Channel>,
    pub unread: u32,
    /// Changes written here and not yet confirmed.
    pub changes: PendingChanges,
}

/// Changes of a contact written here and still in the outbox. They are shown beside the
/// server's state and never written into it: the server's answer replaces them, and a refusal
/// leaves the server's state as it was.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PendingChanges {
    /// The assignment last asked for.
    pub assignee: Option<PendingAssignee>,
    /// The conversation's state last asked for: `true` to open, `false` to close.
    pub open: Option<bool>,
}

/// An assignment on its way (`user_id: null` unassigns).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PendingAssignee {
    pub user_id: Option<UserId>,
}

/// Reference data the UI needs everywhere.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Workspace {
    pub me: User,
    pub settings: Settings,
    pub users: Vec<User>,
    pub channels: Vec<Channel>,
    pub categories: Vec<ClosingNoteCategory>,
    pub snippets: Vec<Snippet>,
    /// The workspace's custom contact fields (their values are on each contact).
    pub custom_fields: Vec<CustomField>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SearchHitKind {
    Message,
    Comment,
    Contact,
}

/// A full-text search result; `snippet` marks matches with `<mark>`…`</mark>` (the rest is
/// escaped text).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct SearchHit {
    pub contact_id: ContactId,
    pub contact_name: String,
    pub kind: SearchHitKind,
    /// The message or comment to jump to.
    pub ref_id: Option<String>,
    pub snippet: String,
    pub at: Option<Timestamp>,
}

/// An item of the outbox as the UI lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OutboxEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub client_id: String,
    pub kind: String,
    pub contact_id: Option<ContactId>,
    /// A line for people ("Reply: On my way", "Assign to Alice").
    pub summary: String,
    pub failed: bool,
    pub error: Option<String>,
    /// Why the server refused it, when it did.
    pub refusal: Option<Refusal>,
    pub attempts: u32,
    pub created_at: Timestamp,
}

/// A report for the dashboard, and whether it is the last one kept (offline) rather than fresh.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ReportView {
    pub report: ConversationReport,
    pub cached: bool,
}

/// A microphone the agent can record from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VoiceInput {
    /// Stable id from the audio host (`alsa:default`, …); pass it to `start_recording`.
    pub id: String,
    /// What people call it.
    pub name: String,
    pub is_default: bool,
}

/// A recording under way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RecordingStarted {
    /// The id its draft will have.
    pub id: String,
    /// The microphone's name.
    pub device: String,
    /// The recording stops by itself at this length.
    #[ts(type = "number")]
    pub max_ms: u64,
}

/// A recorded voice note, not yet sent or deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VoiceDraft {
    pub id: String,
    #[ts(type = "number")]
    pub duration_ms: u64,
    /// Loudness per bucket (0–255), for drawing the note.
    pub waveform: Vec<u8>,
    /// The Ogg/Opus file that is played and sent.
    pub path: String,
    /// The same recording as WAV, for players without Opus.
    pub wav_path: String,
    pub mime: String,
    #[ts(type = "number")]
    pub size_bytes: u64,
    /// The recording reached the length cap and stopped there.
    pub stopped_by_cap: bool,
    pub created_at: Timestamp,
}

/// Why a recording stopped without being asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RecordingStopReason {
    /// The length cap (5:00) was reached.
    Cap,
    /// The microphone was unplugged, failed, or stopped delivering sound.
    DeviceLost,
    /// The recording could not be written (disk full…).
    Failed,
}

/// Live updates from the agent to the UI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentEvent {
    SyncState {
        state: SyncState,
    },
    /// Contacts changed (list rows, counts, the drawer).
    ContactsChanged {
        ids: Vec<ContactId>,
    },
    /// A contact's timeline changed.
    TimelineChanged {
        contact_id: ContactId,
    },
    /// Users, settings, channels, categories or snippets changed.
    WorkspaceChanged,
    OutboxChanged {
        count: u32,
    },
    /// An attachment or voice note is being uploaded.
    UploadProgress {
        client_id: String,
        #[ts(type = "number")]
        sent: u64,
        #[ts(type = "number")]
        total: u64,
    },
    /// A notification was clicked: show this contact.
    OpenContact {
        contact_id: ContactId,
    },
    /// The session ended; the UI returns to sign-in.
    SignedOut,
    /// While recording, ~15 times a second: the input level for the meter (0 = silence,
    /// 1 = full scale, decibel-scaled) and the length so far.
    RecordingLevel {
        level: f32,
        #[ts(type = "number")]
        elapsed_ms: u64,
    },
    /// A recording stopped by itself; `message` says why for people, `draft` is what was kept
    /// (none when too little was recorded).
    RecordingStopped {
        reason: RecordingStopReason,
        message: String,
        draft: Option<VoiceDraft>,
    },
}

/// The agent's view types, with everything they reference.
pub fn export_view(dir: &Path) -> Result<(), ExportError> {
    Session::export_all_to(dir)?;
    SignInDefaults::export_all_to(dir)?;
    TokenStorage::export_all_to(dir)?;
    CommandError::export_all_to(dir)?;
    SyncState::export_all_to(dir)?;
    InboxSortOrder::export_all_to(dir)?;
    crate::cache::InboxQuery::export_all_to(dir)?;
    crate::cache::outbox_store::StagedFile::export_all_to(dir)?;
    InboxPage::export_all_to(dir)?;
    InboxCounts::export_all_to(dir)?;
    TimelinePage::export_all_to(dir)?;
    ContactDetails::export_all_to(dir)?;
    Workspace::export_all_to(dir)?;
    SearchHit::export_all_to(dir)?;
    OutboxEntry::export_all_to(dir)?;
    ReportView::export_all_to(dir)?;
    AgentEvent::export_all_to(dir)?;
    VoiceInput::export_all_to(dir)?;
    RecordingStarted::export_all_to(dir)?;
    VoiceDraft::export_all_to(dir)?;
    Ok(())
}
