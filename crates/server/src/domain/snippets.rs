//! Snippets: canned responses, and filling in their variables.

use messenger_protocol::{EventPayload, Removed, Snippet, SnippetId, SnippetInput};

/// Shared with the agent, which fills snippets offline.
pub use messenger_protocol::snippet::render;

use super::Ctx;
use crate::error::{AppError, AppResult};
use crate::store::WriteTx;

fn require_admin(ctx: &Ctx) -> AppResult<()> {
    if ctx.me.role.administers() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only owners and managers can change snippets.",
        ))
    }
}

fn clean_shortcut(s: &str) -> AppResult<String> {
    let s = s.trim().trim_start_matches('/').to_lowercase();
    if s.is_empty()
        || s.len() > 32
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(AppError::invalid(
            "A shortcut has 1 to 32 letters, digits, - or _ (typed after / in the composer).",
        ));
    }
    Ok(s)
}

fn check_text(name: &str, text: &str) -> AppResult<()> {
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(
            "A snippet's name has 1 to 100 characters.",
        ));
    }
    if text.trim().is_empty() || text.chars().count() > 10_000 {
        return Err(AppError::invalid(
            "A snippet's text has 1 to 10000 characters.",
        ));
    }
    Ok(())
}

pub fn create(tx: &mut dyn WriteTx, ctx: &Ctx, input: SnippetInput) -> AppResult<Snippet> {
    require_admin(ctx)?;
    let (Some(name), Some(shortcut), Some(text)) = (input.name, input.shortcut, input.text) else {
        return Err(AppError::invalid(
            "A snippet needs a name, a shortcut and a text.",
        ));
    };
    check_text(&name, &text)?;
    let snippet = tx.insert_snippet(name.trim(), &clean_shortcut(&shortcut)?, &text)?;
    tx.append_event(
        &EventPayload::SnippetUpserted(snippet.clone()),
        ctx.now,
        None,
    )?;
    Ok(snippet)
}

pub fn update(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    id: &SnippetId,
    input: SnippetInput,
) -> AppResult<Snippet> {
    require_admin(ctx)?;
    let mut snippet = tx
        .snippet(id)?
        .ok_or_else(|| AppError::not_found(&format!("Snippet {id}")))?;
    if let Some(name) = input.name {
        snippet.name = name.trim().to_owned();
    }
    if let Some(shortcut) = input.shortcut {
        snippet.shortcut = clean_shortcut(&shortcut)?;
    }
    if let Some(text) = input.text {
        snippet.text = text;
    }
    check_text(&snippet.name, &snippet.text)?;
    tx.update_snippet(&snippet)?;
    tx.append_event(
        &EventPayload::SnippetUpserted(snippet.clone()),
        ctx.now,
        None,
    )?;
    Ok(snippet)
}

pub fn delete(tx: &mut dyn WriteTx, ctx: &Ctx, id: &SnippetId) -> AppResult<()> {
    require_admin(ctx)?;
    if !tx.delete_snippet(id)? {
        return Err(AppError::not_found(&format!("Snippet {id}")));
    }
    tx.append_event(
        &EventPayload::SnippetRemoved(Removed { id: id.clone() }),
        ctx.now,
        None,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use messenger_protocol::{
        Contact, ContactId, ContactProfile, Role, Timestamp, UserId, UserStatus,
    };

    use super::*;
    use crate::store::UserRecord;

    fn contact() -> Contact {
        Contact {
            id: ContactId("1".into()),
            name: "Maria Lopez Garcia".into(),
            first_name: "Maria".into(),
            email: None,
            phone: Some("+34 600".into()),
            tags: vec![],
            assignee_id: None,
            open_conversation_id: None,
            last_message_at: None,
            last_message_preview: None,
            waiting_since: None,
            channels: vec![],
            created_at: Timestamp::EPOCH,
            profile: ContactProfile {
                language: Some("es".into()),
                country_code: Some("ES".into()),
                timezone: Some("Europe/Madrid".into()),
                avatar_file_id: None,
            },
            custom_fields: [("plan".to_owned(), "Gold".to_owned())].into(),
        }
    }

    fn user() -> UserRecord {
        UserRecord {
            id: UserId("2".into()),
            name: "Susan Support".into(),
            email: "s@example.com".into(),
            role: Role::Agent,
            status: UserStatus::Online,
            password_hash: String::new(),
            active: true,
            chosen_status: UserStatus::Online,
            created_at: Timestamp::EPOCH,
        }
    }

    #[test]
    fn fills_known_variables_and_keeps_unknown_ones() {
        let text = "Hi {{contact.first_name}} ({{ contact.last_name }}), {{user.first_name}} here. \
                    Email: [{{contact.email}}] {{contact.shoe_size}} {{unclosed";
        assert_eq!(
            render(text, &contact(), &user().name),
            "Hi Maria (Lopez Garcia), Susan here. Email: [] {{contact.shoe_size}} {{unclosed"
        );
        assert_eq!(
            render("{{user.name}}/{{contact.name}}", &contact(), &user().name),
            "Susan Support/Maria Lopez Garcia"
        );
        assert_eq!(
            render(
                "{{contact.language}}-{{contact.country_code}} {{contact.timezone}}",
                &contact(),
                &user().name
            ),
            "es-ES Europe/Madrid"
        );
        assert_eq!(
            render(
                "{{contact.plan}} {{contact.seats}}",
                &contact(),
                &user().name
            ),
            "Gold {{contact.seats}}",
            "a custom field by slug; one the contact lacks stays as written"
        );
    }

    #[test]
    fn shortcuts_are_normalized_and_checked() {
        assert_eq!(clean_shortcut("/Thanks").unwrap(), "thanks");
        assert!(clean_shortcut("two words").is_err());
        assert!(clean_shortcut("").is_err());
    }
}
