//! Workspace settings. Changing who agents may see re-announces every contact, so that each
//! reader's client gains the contacts that became visible and drops the ones that did not.

use messenger_protocol::{EventPayload, Settings, SettingsPatch};

use super::{Ctx, persist};
use crate::error::{AppError, AppResult};
use crate::store::{Scope, WriteTx};

/// The settings with what the server states from them (the closing-note rules of the mode),
/// as every answer and event carries them.
pub fn stated(mut settings: Settings) -> Settings {
    settings.closing_note = super::conversations::closing_note_rules(settings.closing_note_mode);
    settings
}

pub fn update(tx: &mut dyn WriteTx, ctx: &Ctx, patch: SettingsPatch) -> AppResult<Settings> {
    if !ctx.me.role.administers() {
        return Err(AppError::forbidden(
            "Only owners and managers can change settings.",
        ));
    }
    let before = stated(tx.settings()?);
    let mut after = before.clone();
    if let Some(v) = patch.unassign_on_close {
        after.unassign_on_close = v;
    }
    if let Some(v) = patch.closing_note_mode {
        after.closing_note_mode = v;
    }
    if let Some(v) = patch.agent_visibility {
        after.agent_visibility = v;
    }
    if let Some(v) = patch.offline_after_minutes {
        if !(1..=60).contains(&v) {
            return Err(AppError::invalid(
                "offline_after_minutes must be from 1 to 60.",
            ));
        }
        after.offline_after_minutes = v;
    }
    let after = stated(after);
    if after == before {
        return Ok(after);
    }
    tx.put_settings(&after)?;
    tx.append_event(&EventPayload::SettingsUpdated(after.clone()), ctx.now, None)?;
    if after.agent_visibility != before.agent_visibility {
        for contact in tx.contacts_in_scope(&Scope::All)? {
            persist::contact_upserted(tx, &contact, ctx.now)?;
        }
    }
    Ok(after)
}
