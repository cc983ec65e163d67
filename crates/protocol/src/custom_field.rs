//! Custom contact fields: the workspace defines them (a name, a slug that never changes, a
//! type), and each contact holds a value per field, kept by slug.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::CustomFieldId;
use crate::timestamp::Timestamp;

/// What a field holds; its values are kept as text in a form fixed per type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomFieldType {
    Text,
    /// One of `allowed_values`.
    List,
    /// `true` or `false`.
    Checkbox,
    Email,
    /// A decimal number.
    Number,
    Url,
    /// `YYYY-MM-DD`.
    Date,
    /// `HH:MM`.
    Time,
}

impl CustomFieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::List => "list",
            Self::Checkbox => "checkbox",
            Self::Email => "email",
            Self::Number => "number",
            Self::Url => "url",
            Self::Date => "date",
            Self::Time => "time",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "text" => Self::Text,
            "list" => Self::List,
            "checkbox" => Self::Checkbox,
            "email" => Self::Email,
            "number" => Self::Number,
            "url" => Self::Url,
            "date" => Self::Date,
            "time" => Self::Time,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomField {
    pub id: CustomFieldId,
    pub name: String,
    /// Letters, digits and `_`; how contacts' values are keyed; never changes.
    pub slug: String,
    pub description: String,
    pub data_type: CustomFieldType,
    /// The choices of a `list` field.
    pub allowed_values: Vec<String>,
    pub created_at: Timestamp,
}

/// `POST /custom-fields`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCustomField {
    pub name: String,
    /// Made from the name when absent or empty.
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub data_type: CustomFieldType,
    #[serde(default)]
    pub allowed_values: Vec<String>,
}
