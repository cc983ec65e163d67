//! Wire types of the IS-Messenger v1 API: what the server sends and accepts, what the agent
//! core stores and replays. Everything here is plain data (serde); the TypeScript twins in
//! `ui/src/lib/bindings/` are generated from these definitions by [`bindings`].

pub mod actor;
pub mod api_token;
pub mod auth;
pub mod bindings;
pub mod channel;
pub mod comment;
pub mod contact;
pub mod conversation;
pub mod custom_channel;
pub mod custom_field;
pub mod developer_api;
mod double_option;
pub mod error;
pub mod event;
pub mod file;
pub mod ids;
pub mod integration;
pub mod message;
pub mod report;
pub mod settings;
pub mod snippet;
pub mod stream_close;
pub mod timestamp;
pub mod user;
pub mod workflow;

pub use actor::{Actor, ActorKind};
pub use api_token::{ApiToken, CreatedApiToken, NewApiToken};
pub use auth::{LoginRequest, LoginResponse};
pub use channel::{Channel, ChannelCredentials, ChannelKind, ChannelPatch, NewChannel};
pub use comment::{Comment, NewComment};
pub use contact::{
    AssigneeUpdate, Contact, ContactChannel, ContactPage, ContactPatch, ContactProfile,
    ContactView, MergeRequest, StatusFilter,
};
pub use conversation::{CloseConversationRequest, ClosingNote, Conversation, ConversationStatus};
pub use custom_field::{CustomField, CustomFieldType, NewCustomField};
pub use error::{ApiErrorBody, ErrorCode, ErrorDetail};
pub use event::{Event, EventPayload, Removed, Seq, Snapshot, SyncPage};
pub use file::FileInfo;
pub use ids::*;
pub use integration::{
    IntegrationDelivery, IntegrationEvent, IntegrationWebhook, NewIntegrationWebhook,
};
pub use message::{
    Activity, ActivityKind, Attachment, AttachmentKind, AttachmentStatus, Delivery, Direction,
    Message, MessagePage, SendMessageRequest, VoiceNote,
};
pub use report::{ConversationReport, DayFigures, DurationStats, ReportFigures, UserFigures};
pub use settings::{
    AgentVisibility, CategoryInput, ClosingNoteCategory, ClosingNoteMode, ClosingNoteRules,
    Settings, SettingsPatch,
};
pub use snippet::{RenderSnippetRequest, RenderedSnippet, Snippet, SnippetInput};
pub use timestamp::Timestamp;
pub use user::{Capabilities, NewUserRequest, Role, StatusUpdate, User, UserPatch, UserStatus};
pub use workflow::{
    AssignStrategy, AssignTarget, AssignmentCondition, Conditions, Step, Trigger, Workflow,
    WorkflowInput,
};

/// Prefix of every v1 route.
pub const API_PREFIX: &str = "/api/v1";
