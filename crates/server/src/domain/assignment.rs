//! Assignment lives on the contact: manual assign and unassign, and the rule that replying to
//! an unassigned contact assigns it to the replier.

use messenger_protocol::{
    ActivityKind, Actor, Contact, ErrorCode, IntegrationEvent, Timestamp, Trigger, UserId,
};

use super::{activity, integrations, persist, workflows};
use crate::error::{AppError, AppResult};
use crate::store::{UserRecord, WriteTx};

/// Checks that a user can take contacts.
pub fn assignable(tx: &mut dyn WriteTx, user_id: &UserId) -> AppResult<UserRecord> {
    let user = tx
        .user(user_id)?
        .ok_or_else(|| AppError::not_found(&format!("User {user_id}")))?;
    if !user.active {
        return Err(AppError::new(
            ErrorCode::RuleRefused,
            format!(
                "{} was removed from the workspace and cannot be assigned.",
                user.name
            ),
        ));
    }
    Ok(user)
}

/// Sets the contact's assignee (None unassigns) and records who did it. Returns whether
/// anything changed; assigning to the current assignee is a no-op.
pub fn set_assignee(
    tx: &mut dyn WriteTx,
    contact: &mut Contact,
    assignee: Option<&UserId>,
    by: &Actor,
    at: Timestamp,
) -> AppResult<bool> {
    if contact.assignee_id.as_ref() == assignee {
        return Ok(false);
    }
    if let Some(id) = assignee {
        assignable(tx, id)?;
    }
    contact.assignee_id = assignee.cloned();
    // The contact first: a reader who loses sight of it hears `contact.removed` before the
    // activity entry is withheld; one who gains sight has the contact before its entry.
    persist::save_contact(tx, contact, at)?;
    let entry = match assignee {
        Some(id) => {
            let mut a = activity::of(ActivityKind::Assigned, by);
            a.assignee_id = Some(id.clone());
            a
        }
        None => activity::of(ActivityKind::Unassigned, by),
    };
    activity::record(tx, contact, contact.open_conversation_id.clone(), entry, at)?;
    let data = serde_json::json!({"contact": contact, "assignee_id": assignee, "by": by});
    integrations::emit(tx, IntegrationEvent::ContactAssigneeUpdated, &data, at)?;
    if assignee.is_some() {
        let fired = workflows::Fired {
            trigger: Trigger::ContactAssigned,
            contact,
            channel_id: contact.channels.last().map(|c| &c.channel_id),
            text: None,
            by,
        };
        workflows::fire(tx, fired, at)?;
    }
    Ok(true)
}
