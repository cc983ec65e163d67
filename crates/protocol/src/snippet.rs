//! Snippets: canned responses with `{{contact.first_name}}`-style variables.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::contact::Contact;
use crate::ids::{ContactId, SnippetId};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snippet {
    pub id: SnippetId,
    pub name: String,
    /// Typed after `/` in the composer.
    pub shortcut: String,
    pub text: String,
}

/// `POST /snippets`, and `PATCH` with the fields to change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SnippetInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub shortcut: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

/// `POST /snippets/{id}/render`: fill the variables for this contact and the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RenderSnippetRequest {
    pub contact_id: ContactId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenderedSnippet {
    pub text: String,
}

/// Fills `{{contact.first_name}}`, `{{contact.last_name}}`, `{{contact.name}}`,
/// `{{contact.email}}`, `{{contact.phone}}`, `{{contact.language}}`,
/// `{{contact.country_code}}`, `{{contact.timezone}}`, `{{user.name}}`, `{{user.first_name}}`
/// and a custom field's value as `{{contact.<slug>}}`
/// (spaces inside the braces allowed). A missing value becomes empty; an unknown variable is
/// left as written, so a typo shows instead of vanishing.
pub fn render(text: &str, contact: &Contact, user_name: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        match value_of(name, contact, user_name) {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn value_of(name: &str, contact: &Contact, user_name: &str) -> Option<String> {
    Some(match name {
        "contact.first_name" => contact.first_name.clone(),
        "contact.last_name" => contact.last_name().unwrap_or_default().to_owned(),
        "contact.name" => contact.name.clone(),
        "contact.email" => contact.email.clone().unwrap_or_default(),
        "contact.phone" => contact.phone.clone().unwrap_or_default(),
        "contact.language" => contact.profile.language.clone().unwrap_or_default(),
        "contact.country_code" => contact.profile.country_code.clone().unwrap_or_default(),
        "contact.timezone" => contact.profile.timezone.clone().unwrap_or_default(),
        "user.name" => user_name.to_owned(),
        "user.first_name" => user_name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
        other => {
            let slug = other.strip_prefix("contact.")?;
            contact.custom_fields.get(slug)?.clone()
        }
    })
}
