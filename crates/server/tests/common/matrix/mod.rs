//! The authorization matrix's machinery: who calls (`Caller`), under which `agent_visibility`,
//! on whose contacts (`Holder`); the world each run happens in (`world`), the cases an
//! operation expands to (`cases`), how a case is sent (`request`), how the event log reads
//! for one reader (`log`), and the run that tries everything and collects every mismatch
//! (`run`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

mod cases;
pub mod log;
mod request;
pub mod run;
mod world;

use std::fmt;

pub use cases::{Body, Case, Expect, FileOf, excerpt, judge};
pub use world::{Deletable, Member, Spare, World, integration_body, workflow_body};

/// An id no entity has.
pub const MISSING: &str = "999999";

/// Who makes a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Caller {
    NoToken,
    MalformedToken,
    LoggedOutToken,
    ChannelToken,
    Alice,
    Bob,
    Manager,
    Owner,
}

impl Caller {
    pub const ALL: [Caller; 8] = [
        Caller::NoToken,
        Caller::MalformedToken,
        Caller::LoggedOutToken,
        Caller::ChannelToken,
        Caller::Alice,
        Caller::Bob,
        Caller::Manager,
        Caller::Owner,
    ];
    pub const USERS: [Caller; 4] = [Caller::Alice, Caller::Bob, Caller::Manager, Caller::Owner];

    pub fn is_user(self) -> bool {
        Self::USERS.contains(&self)
    }

    pub fn is_agent(self) -> bool {
        matches!(self, Caller::Alice | Caller::Bob)
    }

    pub fn is_admin(self) -> bool {
        matches!(self, Caller::Manager | Caller::Owner)
    }

    /// A column heading of the printed table.
    pub fn short(self) -> &'static str {
        match self {
            Caller::NoToken => "none",
            Caller::MalformedToken => "bad",
            Caller::LoggedOutToken => "out",
            Caller::ChannelToken => "chan",
            Caller::Alice => "alice",
            Caller::Bob => "bob",
            Caller::Manager => "mgr",
            Caller::Owner => "owner",
        }
    }
}

impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Caller::NoToken => "no token",
            Caller::MalformedToken => "a malformed token",
            Caller::LoggedOutToken => "a logged-out token",
            Caller::ChannelToken => "a channel's api_token",
            Caller::Alice => "agent Alice",
            Caller::Bob => "agent Bob",
            Caller::Manager => "a manager",
            Caller::Owner => "the owner",
        })
    }
}

/// The workspace's `agent_visibility`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Visibility {
    All,
    AssignedAndUnassigned,
    Assigned,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [
        Visibility::All,
        Visibility::AssignedAndUnassigned,
        Visibility::Assigned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::All => "all",
            Visibility::AssignedAndUnassigned => "assigned_and_unassigned",
            Visibility::Assigned => "assigned",
        }
    }

    /// Whether an agent sees a contact with this assignee (`mine`: assigned to the agent).
    pub fn agent_sees(self, assigned_to_me: bool, unassigned: bool) -> bool {
        match self {
            Visibility::All => true,
            Visibility::AssignedAndUnassigned => assigned_to_me || unassigned,
            Visibility::Assigned => assigned_to_me,
        }
    }
}

/// Whose a fixture contact is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Holder {
    Alice,
    Bob,
    Nobody,
}

impl Holder {
    pub const ALL: [Holder; 3] = [Holder::Alice, Holder::Bob, Holder::Nobody];

    pub fn key(self) -> &'static str {
        match self {
            Holder::Alice => "alice",
            Holder::Bob => "bob",
            Holder::Nobody => "nobody",
        }
    }

    /// Who uploaded the file sent on this contact (the owner, for the unassigned one).
    pub fn uploader(self) -> Caller {
        match self {
            Holder::Alice => Caller::Alice,
            Holder::Bob => Caller::Bob,
            Holder::Nobody => Caller::Owner,
        }
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Holder::Alice => "Alice's contact",
            Holder::Bob => "Bob's contact",
            Holder::Nobody => "the unassigned contact",
        })
    }
}
