//! Workspace settings and closing-note categories.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::CategoryId;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClosingNoteMode {
    /// Category and summary may be given.
    #[default]
    Optional,
    CategoryRequired,
    CategoryAndSummaryRequired,
    /// No closing notes; anything given is ignored.
    Disabled,
}

impl ClosingNoteMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Optional => "optional",
            Self::CategoryRequired => "category_required",
            Self::CategoryAndSummaryRequired => "category_and_summary_required",
            Self::Disabled => "disabled",
        }
    }
}

/// Which contacts agents see (owners and managers see all).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgentVisibility {
    #[default]
    All,
    AssignedAndUnassigned,
    Assigned,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settings {
    /// Legacy: closing a conversation also unassigns the contact.
    pub unassign_on_close: bool,
    pub closing_note_mode: ClosingNoteMode,
    pub agent_visibility: AgentVisibility,
    /// Minutes without a live connection after which a user shows as offline (1–60).
    pub offline_after_minutes: u32,
    /// What closing a conversation asks for under `closing_note_mode`, as the server states it.
    #[serde(default)]
    pub closing_note: ClosingNoteRules,
}

/// What closing a conversation asks for: apps show the dialog this describes and never work
/// it out from the mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClosingNoteRules {
    /// Whether a closing note is asked for at all (otherwise closing is immediate).
    pub asked: bool,
    pub category_required: bool,
    pub summary_required: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            unassign_on_close: false,
            closing_note_mode: ClosingNoteMode::Optional,
            agent_visibility: AgentVisibility::All,
            offline_after_minutes: 5,
            closing_note: ClosingNoteRules::default(),
        }
    }
}

/// `PATCH /settings`: the fields present change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unassign_on_close: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub closing_note_mode: Option<ClosingNoteMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub agent_visibility: Option<AgentVisibility>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub offline_after_minutes: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClosingNoteCategory {
    pub id: CategoryId,
    pub name: String,
    pub description: String,
}

/// `POST /closing-note-categories`, and `PATCH` with the fields to change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}
