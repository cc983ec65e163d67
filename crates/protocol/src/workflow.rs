//! Workflows: automation that assigns, unassigns, opens and closes conversations, sends messages
//! and adds comments when something happens. Owners and managers keep them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::{ChannelId, UserId, WorkflowId};

/// What starts a workflow. Actions taken by workflows themselves start none (no loops).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    ConversationOpened,
    ConversationClosed,
    MessageReceived,
    ContactAssigned,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConversationOpened => "conversation_opened",
            Self::ConversationClosed => "conversation_closed",
            Self::MessageReceived => "message_received",
            Self::ContactAssigned => "contact_assigned",
        }
    }
}

/// Whether the contact must be assigned for the workflow to run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssignmentCondition {
    #[default]
    Any,
    Assigned,
    Unassigned,
}

/// Optional conditions, all of which must hold. Empty lists mean "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// The channel the trigger happened on is one of these.
    #[serde(default)]
    pub channel_ids: Vec<ChannelId>,
    /// The contact has at least one of these tags.
    #[serde(default)]
    pub tags_any: Vec<String>,
    #[serde(default)]
    pub assignment: AssignmentCondition,
    /// For `message_received`: the message contains this text (ignoring case).
    #[serde(default)]
    pub text_contains: Option<String>,
}

/// How an assign step chooses among several users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssignStrategy {
    /// Each in turn, continuing where the last run (also before a restart) left off.
    RoundRobin,
    /// Whoever has the fewest open contacts (ties: round robin).
    LeastOpen,
}

/// Who an assign step assigns to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum AssignTarget {
    /// One specific user.
    User { user_id: UserId },
    /// Among a team (the users listed) or, with an empty team, all agents.
    Pool {
        strategy: AssignStrategy,
        #[serde(default)]
        team: Vec<UserId>,
    },
}

/// One step of a workflow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    Assign {
        to: AssignTarget,
        /// Only users whose status is online.
        #[serde(default)]
        only_online: bool,
        /// Only users with fewer open contacts than this.
        #[serde(default)]
        max_open: Option<u32>,
    },
    Unassign,
    OpenConversation,
    /// The category and summary become the closing note.
    CloseConversation {
        #[serde(default)]
        category: Option<String>,
        #[serde(default)]
        summary: Option<String>,
    },
    /// Sent as the workflow; snippet variables (`{{contact.first_name}}`) are filled in.
    SendMessage {
        text: String,
    },
    /// An internal comment by the workflow.
    AddComment {
        text: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workflow {
    pub id: WorkflowId,
    pub name: String,
    pub enabled: bool,
    pub trigger: Trigger,
    pub conditions: Conditions,
    pub steps: Vec<Step>,
}

/// `POST /workflows`, `PUT /workflows/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WorkflowInput {
    pub name: String,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    pub trigger: Trigger,
    #[serde(default)]
    pub conditions: Conditions,
    pub steps: Vec<Step>,
}

fn enabled_by_default() -> bool {
    true
}
