//! Users and roles: who may create, change and remove whom, and the activity status.

use messenger_protocol::{
    AgentVisibility, ErrorCode, EventPayload, Role, Timestamp, UserId, UserStatus,
};

use super::{Ctx, assignment, persist};
use crate::auth::session_end::SessionEnd;
use crate::error::{AppError, AppResult};
use crate::store::{NewUser, Scope, UserRecord, WriteTx};

/// Emails compare case-insensitively and without surrounding space.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn check_email(email: &str) -> AppResult<()> {
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(format!(
            "{email:?} is not an email address."
        )))
    }
}

pub fn check_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::invalid("The name must have 1 to 200 characters."));
    }
    Ok(name.to_owned())
}

/// Owners manage everyone; managers manage managers and agents; agents manage nobody.
fn may_manage(actor: Role, target: Role) -> bool {
    match actor {
        Role::Owner => true,
        Role::Manager => target != Role::Owner,
        Role::Agent => false,
    }
}

fn user_event(tx: &mut dyn WriteTx, user: &UserRecord, at: Timestamp) -> AppResult<()> {
    tx.append_event(&EventPayload::UserUpserted(user.to_api()), at, None)?;
    Ok(())
}

/// Stores a new user. `by` is None for the command line (the machine's operator).
pub fn create(tx: &mut dyn WriteTx, by: Option<&Ctx>, new: NewUser) -> AppResult<UserRecord> {
    if let Some(ctx) = by
        && !may_manage(ctx.me.role, new.role)
    {
        return Err(AppError::forbidden(match ctx.me.role {
            Role::Agent => "Only owners and managers can add users.",
            _ => "Only owners can add owners.",
        }));
    }
    let user = tx.insert_user(&new)?;
    user_event(tx, &user, new.created_at)?;
    Ok(user)
}

/// What a PATCH may change (the password already hashed).
#[derive(Clone)]
pub struct UserChanges {
    pub name: Option<String>,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub role: Option<Role>,
}

/// Changing one's own password or email asks for the current password: a bearer token alone
/// (left on a shared machine, stolen) must not be enough to take the account over. Owners and
/// managers changing someone else's need no password of theirs.
pub fn needs_current_password(
    me: &UserRecord,
    target: &UserId,
    new_password: bool,
    new_email: Option<&str>,
) -> bool {
    let email_changes = new_email.is_some_and(|e| normalize_email(e) != me.email);
    me.id == *target && (new_password || email_changes)
}

fn active_owners(tx: &mut dyn WriteTx) -> AppResult<usize> {
    Ok(tx
        .users()?
        .iter()
        .filter(|u| u.active && u.role == Role::Owner)
        .count())
}

/// Applies a PATCH. A new password ends the user's other sessions: all of them when someone
/// else set it, all but `caller_session` when they set it themselves. Answers the user and
/// the sessions ended, for announcing once this commits.
pub fn update(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    id: &UserId,
    changes: UserChanges,
    caller_session: &str,
) -> AppResult<(UserRecord, Option<SessionEnd>)> {
    let mut user = tx
        .user(id)?
        .ok_or_else(|| AppError::not_found(&format!("User {id}")))?;
    let before_role = user.role;
    // Everyone may change their own name, email and password; the rest needs a manager.
    let own_details = user.id == ctx.me.id && changes.role.is_none();
    if !own_details && !may_manage(ctx.me.role, user.role) {
        return Err(AppError::forbidden(format!(
            "You may not change {}.",
            user.name
        )));
    }
    if let Some(name) = changes.name {
        user.name = check_name(&name)?;
    }
    if let Some(email) = changes.email {
        let email = normalize_email(&email);
        check_email(&email)?;
        user.email = email;
    }
    let new_password = changes.password_hash.is_some();
    if let Some(hash) = changes.password_hash {
        user.password_hash = hash;
    }
    if let Some(role) = changes.role {
        if !may_manage(ctx.me.role, role) {
            return Err(AppError::forbidden(
                "Only owners can make someone an owner.",
            ));
        }
        if user.role == Role::Owner && role != Role::Owner && active_owners(tx)? <= 1 {
            return Err(AppError::new(
                ErrorCode::RuleRefused,
                "The workspace needs at least one owner.",
            ));
        }
        user.role = role;
    }
    let sight_changed = user.role.administers() != before_role.administers()
        && tx.settings()?.agent_visibility != AgentVisibility::All;
    tx.update_user(&user)?;
    user_event(tx, &user, ctx.now)?;
    if sight_changed {
        // Their sight widened or narrowed: re-announce every contact, as a visibility change
        // does, so that their open streams gain and drop what they now may see.
        for contact in tx.contacts_in_scope(&Scope::All)? {
            persist::contact_upserted(tx, &contact, ctx.now)?;
        }
    }
    if !new_password {
        return Ok((user, None));
    }
    let keep = (user.id == ctx.me.id).then(|| caller_session.to_owned());
    match &keep {
        Some(own) => tx.delete_other_sessions(&user.id, own)?,
        None => tx.delete_sessions_of(&user.id)?,
    }
    let ended = SessionEnd::AllOf {
        user: user.id.clone(),
        keep,
    };
    Ok((user, Some(ended)))
}

/// Removes a user from the workspace: they can no longer sign in or be assigned, their
/// sessions end, and their contacts become unassigned. Their history stays.
pub fn remove(tx: &mut dyn WriteTx, ctx: &Ctx, id: &UserId) -> AppResult<UserRecord> {
    let mut user = tx
        .user(id)?
        .ok_or_else(|| AppError::not_found(&format!("User {id}")))?;
    if !may_manage(ctx.me.role, user.role) {
        return Err(AppError::forbidden(format!(
            "You may not remove {}.",
            user.name
        )));
    }
    if user.id == ctx.me.id {
        return Err(AppError::new(
            ErrorCode::RuleRefused,
            "You cannot remove yourself.",
        ));
    }
    if !user.active {
        return Ok(user);
    }
    if user.role == Role::Owner && active_owners(tx)? <= 1 {
        return Err(AppError::new(
            ErrorCode::RuleRefused,
            "The workspace needs at least one owner.",
        ));
    }
    user.active = false;
    user.status = UserStatus::Offline;
    tx.update_user(&user)?;
    tx.delete_sessions_of(&user.id)?;
    user_event(tx, &user, ctx.now)?;
    let by = ctx.actor();
    for mut contact in tx.contacts_in_scope(&Scope::AssignedTo(user.id.clone()))? {
        assignment::set_assignee(tx, &mut contact, None, &by, ctx.now)?;
    }
    Ok(user)
}

/// The server's side of the status: offline when the user has no live connection, their chosen
/// status again when they come back.
pub fn set_presence(
    tx: &mut dyn WriteTx,
    id: &UserId,
    present: bool,
    now: Timestamp,
) -> AppResult<()> {
    let Some(mut user) = tx.user(id)? else {
        return Ok(());
    };
    let status = if present {
        user.chosen_status
    } else {
        UserStatus::Offline
    };
    if user.status != status && user.active {
        user.status = status;
        tx.update_user(&user)?;
        user_event(tx, &user, now)?;
    }
    Ok(())
}

/// `PUT /me/status`: users choose online or busy; offline is the server's to set.
pub fn set_status(tx: &mut dyn WriteTx, ctx: &Ctx, status: UserStatus) -> AppResult<UserRecord> {
    if status == UserStatus::Offline {
        return Err(AppError::invalid(
            "Choose online or busy; offline is set by the server when you have no connection.",
        ));
    }
    let mut user = tx
        .user(&ctx.me.id)?
        .ok_or_else(|| AppError::not_found("User"))?;
    if user.status != status || user.chosen_status != status {
        user.status = status;
        user.chosen_status = status;
        tx.update_user(&user)?;
        user_event(tx, &user, ctx.now)?;
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(normalize_email("  Alice@Example.COM "), "alice@example.com");
        assert!(check_email("alice@example.com").is_ok());
        for bad in [
            "",
            "alice",
            "@example.com",
            "alice@",
            "alice@localhost",
            "a b@example.com",
        ] {
            assert!(check_email(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn managers_cannot_manage_owners_and_agents_manage_nobody() {
        assert!(may_manage(Role::Owner, Role::Owner));
        assert!(may_manage(Role::Manager, Role::Agent));
        assert!(!may_manage(Role::Manager, Role::Owner));
        assert!(!may_manage(Role::Agent, Role::Agent));
    }
}
