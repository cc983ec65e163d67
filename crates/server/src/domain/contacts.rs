//! Reading and editing contacts, within what the reader may see.

use messenger_protocol::{
    Contact, ContactId, ContactPatch, ContactProfile, EventPayload, Removed, Timestamp,
};

use super::{Ctx, custom_fields, persist, visibility};
use crate::error::{AppError, AppResult};
use crate::store::{NewContact, ReadTx, WriteTx};

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

/// A language tag as kept (`pt_BR` becomes `pt-BR`), or `None` when it is not one.
pub fn language_tag(text: &str) -> Option<String> {
    let t = text.trim();
    let ok = !t.is_empty()
        && t.len() <= 35
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then(|| t.replace('_', "-"))
}

/// A two-letter country code, upper case, or `None`.
pub fn country_code(text: &str) -> Option<String> {
    let t = text.trim();
    (t.len() == 2 && t.chars().all(|c| c.is_ascii_alphabetic())).then(|| t.to_ascii_uppercase())
}

/// An IANA zone name (`America/Mexico_City`) or an offset (`+05:30`), or `None`.
pub fn time_zone(text: &str) -> Option<String> {
    let t = text.trim();
    let ok = !t.is_empty()
        && t.len() <= 64
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-:".contains(c));
    ok.then(|| t.to_owned())
}

/// A patch's value for a profile field: `None` keeps, `Some(None)` or empty clears, else the
/// value as `rule` keeps it, or a clear error.
fn profile_change(
    change: Option<Option<String>>,
    what: &str,
    rule: fn(&str) -> Option<String>,
    target: &mut Option<String>,
) -> AppResult<()> {
    match change {
        None => Ok(()),
        Some(v) => match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => {
                *target = None;
                Ok(())
            }
            Some(v) => {
                *target =
                    Some(rule(v).ok_or_else(|| {
                        AppError::invalid(format!("{v:?} is not a valid {what}."))
                    })?);
                Ok(())
            }
        },
    }
}

/// Applies a patch's fields to a contact (the rules of every contact edit).
fn apply(tx: &mut dyn ReadTx, contact: &mut Contact, patch: ContactPatch) -> AppResult<()> {
    if let Some(name) = patch.name {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(AppError::invalid("The name must have 1 to 200 characters."));
        }
        contact.first_name = match patch.first_name.as_deref().map(str::trim) {
            Some(first) if !first.is_empty() && name.starts_with(first) => first.to_owned(),
            Some(first) if !first.is_empty() => {
                return Err(AppError::invalid(format!(
                    "The first name {first:?} must begin the name {name:?}."
                )));
            }
            _ => first_name_of(&name),
        };
        contact.name = name;
    } else if patch.first_name.is_some() {
        return Err(AppError::invalid(
            "first_name is given with name (the whole name it begins).",
        ));
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
    let p = &mut contact.profile;
    profile_change(
        patch.language,
        "language (such as es or pt-BR)",
        language_tag,
        &mut p.language,
    )?;
    profile_change(
        patch.country_code,
        "country code (two letters, such as MX)",
        country_code,
        &mut p.country_code,
    )?;
    profile_change(
        patch.timezone,
        "time zone (such as America/Mexico_City)",
        time_zone,
        &mut p.timezone,
    )?;
    if let Some(values) = patch.custom_fields {
        custom_fields::set_values(tx, contact, values)?;
    }
    Ok(())
}

pub fn patch(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    id: &ContactId,
    patch: ContactPatch,
) -> AppResult<Contact> {
    let mut contact = visible(tx, ctx, id)?;
    apply(tx, &mut contact, patch)?;
    persist::save_contact(tx, &contact, ctx.now)?;
    Ok(contact)
}

/// Creates a contact that has not written yet (the Developer API): it has no channel identity
/// until it writes, and no conversation. `fields.name` is required.
pub fn create(tx: &mut dyn WriteTx, ctx: &Ctx, fields: ContactPatch) -> AppResult<Contact> {
    let Some(name) = fields.name.clone().filter(|n| !n.trim().is_empty()) else {
        return Err(AppError::invalid("A new contact needs a name."));
    };
    let mut draft = Contact {
        id: ContactId(String::new()),
        name: name.clone(),
        first_name: first_name_of(&name),
        email: None,
        phone: None,
        tags: Vec::new(),
        assignee_id: None,
        open_conversation_id: None,
        last_message_at: None,
        last_message_preview: None,
        waiting_since: None,
        channels: Vec::new(),
        created_at: ctx.now,
        profile: ContactProfile::default(),
        custom_fields: Default::default(),
    };
    apply(tx, &mut draft, fields)?;
    let mut contact = tx.insert_contact(&NewContact {
        name: draft.name.clone(),
        first_name: draft.first_name.clone(),
        email: draft.email.clone(),
        phone: draft.phone.clone(),
        profile: draft.profile.clone(),
        custom_fields: draft.custom_fields.clone(),
        created_at: ctx.now,
    })?;
    if !draft.tags.is_empty() {
        contact.tags = draft.tags;
        tx.update_contact(&contact)?;
    }
    persist::contact_upserted(tx, &contact, ctx.now)?;
    Ok(contact)
}

/// Deletes a contact with its conversations, messages and comments (owners and managers).
pub fn delete(tx: &mut dyn WriteTx, ctx: &Ctx, id: &ContactId) -> AppResult<()> {
    if !ctx.me.role.administers() {
        return Err(AppError::forbidden(
            "Only owners and managers can delete contacts.",
        ));
    }
    let contact = visible(tx, ctx, id)?;
    tx.delete_contact(&contact.id)?;
    tx.append_event(
        &EventPayload::ContactRemoved(Removed {
            id: contact.id.clone(),
        }),
        ctx.now,
        None,
    )?;
    Ok(())
}

/// Decodes the opaque cursor of `GET /contacts`.
pub fn decode_cursor(cursor: &str) -> AppResult<(i64, i64)> {
    cursor
        .split_once(':')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .ok_or_else(|| AppError::invalid("The cursor is not one this server gave out."))
}

/// The inbox's order: the last message, else the creation.
pub fn activity_at(c: &Contact) -> Timestamp {
    c.last_message_at.unwrap_or(c.created_at)
}

pub fn encode_cursor(last: &Contact) -> String {
    format!("{}:{}", activity_at(last).millis(), last.id)
}

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

/// Applies a timestamp to "the contact wrote or was written to".
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
