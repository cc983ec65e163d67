//! The rules of the Messages Module. Every function here runs inside one store transaction
//! (a closure given to `Store::write`), so a rule and the changes it makes commit together,
//! with their events. Nothing here does I/O besides the store.

pub mod activity;
pub mod assignment;
pub mod categories;
pub mod channels;
pub mod comments;
pub mod contacts;
pub mod conversations;
pub mod files;
pub mod inbound;
pub mod integrations;
pub mod merge;
pub mod outgoing;
pub mod persist;
pub mod reporting;
pub mod settings;
pub mod snippets;
pub mod users;
pub mod visibility;
pub mod workflow_steps;
pub mod workflows;

use messenger_protocol::{Settings, Timestamp};

use crate::error::{AppError, AppResult};
use crate::store::{ReadTx, Scope, UserRecord};

/// Who acts, under which settings, at what time.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub me: UserRecord,
    pub settings: Settings,
    pub now: Timestamp,
}

impl Ctx {
    /// The context of a request, with the settings as this transaction sees them.
    pub fn load(tx: &mut dyn ReadTx, me: UserRecord, now: Timestamp) -> AppResult<Self> {
        let settings = tx.settings().map_err(AppError::from)?;
        Ok(Self { me, settings, now })
    }

    pub fn scope(&self) -> Scope {
        visibility::scope_for(&self.me.id, self.me.role, &self.settings)
    }

    pub fn actor(&self) -> messenger_protocol::Actor {
        messenger_protocol::Actor::user(self.me.id.as_str())
    }
}
