//! The rules of the Messages Module. Every function here runs inside one store transaction
//! (a closure given to `Store::write`), so a rule and the changes it makes commit together,
//! with their events. Nothing here does I/O besides the store.

pub mod activity;
pub mod api_tokens;
pub mod assignment;
pub mod capabilities;
pub mod categories;
pub mod channels;
pub mod comments;
pub mod contacts;
pub mod conversations;
pub mod custom_fields;
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
use crate::store::{ApiTokenRecord, ReadTx, Scope, UserRecord};

/// Who acts, under which settings, at what time.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub me: UserRecord,
    pub settings: Settings,
    pub now: Timestamp,
    /// A workspace access token of the Developer API acting with the rights of `me`, its
    /// creator: what it does is done by the token (`ActorKind::Api`), not by the user.
    pub api_token: Option<ApiTokenRecord>,
}

impl Ctx {
    /// The context of a request, with the settings as this transaction sees them.
    pub fn load(tx: &mut dyn ReadTx, me: UserRecord, now: Timestamp) -> AppResult<Self> {
        let settings = settings::stated(tx.settings().map_err(AppError::from)?);
        Ok(Self {
            me,
            settings,
            now,
            api_token: None,
        })
    }

    /// Whether a Developer API token acts (it neither takes contacts nor counts as a user's
    /// response).
    pub fn is_api(&self) -> bool {
        self.api_token.is_some()
    }

    pub fn scope(&self) -> Scope {
        visibility::scope_for(&self.me.id, self.me.role, &self.settings)
    }

    pub fn actor(&self) -> messenger_protocol::Actor {
        match &self.api_token {
            Some(token) => messenger_protocol::Actor {
                kind: messenger_protocol::ActorKind::Api,
                id: Some(token.id.clone()),
                name: Some(token.name.clone()),
            },
            None => messenger_protocol::Actor::user(self.me.id.as_str()),
        }
    }
}
