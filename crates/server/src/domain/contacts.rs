//! Reading and editing contacts, within what the reader may see.

use messenger_protocol::{Contact, ContactId, ContactPatch, ContactProfile, Timestamp};

use super::{Ctx, persist, visibility};
use crate::error::{AppError, AppResult};
use crate::store::{ReadTx, WriteTx};

const MAX_TAGS: usize = 50;
const MAX_TAG_CHARS: usize = 64;

/// The contact if it exists and the reader may see it; 404 otherwise (an invisible contact is
/// not acknowledged to exist).
pub fn visible(tx: &mut dyn ReadTx, ctx: &Ctx, id: &ContactId) -> AppResult<Contact> {
    match tx.contact(id)? {
        Some(c) if visibility::can_see(&ctx.scope(), c.assignee_id.as_ref()) => Ok(c),
        _ => Err(AppError::not_found(&format!("Contact {id}"))),
    }
}

/// The first word of a name, for `{{contact.first_name}}`.
pub fn first_name_of(name: &str) -> String {
    name.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn clean_optional(value: Option<String>, what: &str, max: usize) -> AppResult<Option<String>> {
    match value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() > max => Err(AppError::invalid(format!(
            "The {what} must have at most {max} characters."
        ))),
        other => Ok(other),
    }
}

pub fn normalize_tags(tags: Vec<String>) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_owned();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(AppError::invalid(format!(
                "Tags have at most {MAX_TAG_CHARS} characters; {tag:?} is longer."
            )));
        }
        if !out.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            out.push(tag);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(AppError::invalid(format!(
            "A contact has at most {MAX_TAGS} tags."
        )));
    }
    Ok(out)
}

pub fn patch(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    id: &ContactId,
    patch: ContactPatch,
) -> AppResult<Contact> {
    let mut contact = visible(tx, ctx, id)?;
    if let Some(name) = patch.name {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(AppError::invalid("The name must have 1 to 200 characters."));
        }
        contact.first_name = first_name_of(&name);
        contact.name = name;
    }
    if let Some(email) = patch.email {
        let email = clean_optional(email, "email", 254)?;
        if email.as_deref().is_some_and(|e| !e.contains('@')) {
            return Err(AppError::invalid("The email must contain @."));
        }
        contact.email = email;
    }
    if let Some(phone) = patch.phone {
        contact.phone = clean_optional(phone, "phone", 40)?;
    }
    if let Some(tags) = patch.tags {
        contact.tags = normalize_tags(tags)?;
    }
    persist::save_contact(tx, &contact, ctx.now)?;
    Ok(contact)
}

/// Decodes the opaque cursor of `GET /contacts`.
pub fn decode_cursor(cursor: &str) -> AppResult<(i64, i64)> {
    cursor
        .split_once(':')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .ok_or_else(|| AppError::invalid("The cursor is not one this server gave out."))
}

pub fn encode_cursor(last: &Contact) -> String {
    let at = last.last_message_at.unwrap_or(last.created_at);
    format!("{}:{}", at.millis(), last.id)
}

/// Applies a timestamp to "the contact wrote or was written to".
/// Fills what a profile lacks from another (a provider's word, a merged contact's); true when
/// something changed. What is there already is kept.
pub fn fill_profile(profile: &mut ContactProfile, other: &ContactProfile) -> bool {
    let mut changed = false;
    for (mine, theirs) in [
        (&mut profile.language, &other.language),
        (&mut profile.country_code, &other.country_code),
        (&mut profile.timezone, &other.timezone),
    ] {
        if mine.is_none() && theirs.is_some() {
            mine.clone_from(theirs);
            changed = true;
        }
    }
    if profile.avatar_file_id.is_none() && other.avatar_file_id.is_some() {
        profile.avatar_file_id.clone_from(&other.avatar_file_id);
        changed = true;
    }
    changed
}

pub fn touch_last_message(contact: &mut Contact, preview: &str, at: Timestamp) {
    contact.last_message_at = Some(at);
    contact.last_message_preview = Some(preview_of(preview));
}

/// A short single-line preview of a message.
pub fn preview_of(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 140 {
        let mut cut: String = line.chars().take(139).collect();
        cut.push('…');
        cut
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_and_deduplicated_ignoring_case() {
        let tags = normalize_tags(vec![
            " VIP".into(),
            "vip".into(),
            "".into(),
            "billing".into(),
        ])
        .unwrap();
        assert_eq!(tags, vec!["VIP", "billing"]);
        assert!(normalize_tags(vec!["x".repeat(65)]).is_err());
    }

    #[test]
    fn previews_are_one_line_and_short() {
        assert_eq!(preview_of("Hello\n  there"), "Hello there");
        assert_eq!(preview_of(&"a".repeat(200)).chars().count(), 140);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_cursor("1700:42").unwrap(), (1700, 42));
        assert!(decode_cursor("nope").is_err());
    }
}
