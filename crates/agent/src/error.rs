//! The agent's errors. Each carries a sentence fit to show an agent in the app.

use messenger_protocol::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The server could not be reached (offline, DNS, refused, timed out).
    #[error("Cannot reach the server at {server}: {reason}")]
    Unreachable { server: String, reason: String },
    /// The server answered with an error body.
    #[error("{message}")]
    Server {
        status: u16,
        code: String,
        message: String,
        /// The server's word on whether the same request may pass later (None from a server
        /// that predates it).
        may_pass_later: Option<bool>,
    },
    /// The server answered something that is not the v1 API.
    #[error(
        "The server at {server} answered something unexpected ({detail}). Is this an IS-Messenger server?"
    )]
    UnexpectedAnswer { server: String, detail: String },
    /// Not signed in.
    #[error("Not signed in.")]
    SignedOut,
    /// What the user typed cannot be used.
    #[error("{0}")]
    Invalid(String),
    /// The local cache failed.
    #[error("The local cache failed: {0}")]
    Cache(String),
    /// A file or directory of the agent could not be used.
    #[error("{0}")]
    Io(String),
    /// The OS keychain refused or failed (the sentence says which step).
    #[error("{0}")]
    Keychain(String),
    /// The server sent an event of a known type that this version cannot read: the sync stops
    /// just before it rather than lose what it holds.
    #[error(
        "Sync stopped: the server sent a \"{kind}\" event{} that this version of the app cannot read ({reason}). Update the app; what came before it is shown.",
        seq.map(|s| format!(" (seq {s})")).unwrap_or_default()
    )]
    UnreadableEvent {
        seq: Option<messenger_protocol::Seq>,
        kind: String,
        reason: String,
    },
}

impl AgentError {
    /// The server's answer `status` with `body`: its error body when it sent one.
    pub fn from_answer(status: u16, body: &str) -> Option<Self> {
        let body = serde_json::from_str::<messenger_protocol::ApiErrorBody>(body).ok()?;
        Some(Self::Server {
            status,
            code: body.error.code,
            message: body.error.message,
            may_pass_later: body.error.may_pass_later,
        })
    }

    /// A 4xx from the server: retrying the same request will not help.
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::Server { status, .. } if (400..500).contains(status))
    }

    /// A network failure or a 5xx: worth retrying later.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable { .. } => true,
            Self::Server { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The session is no longer accepted by the server.
    pub fn is_auth_failure(&self) -> bool {
        matches!(self, Self::Server { code, .. }
            if code == ErrorCode::Unauthenticated.as_str() || code == ErrorCode::SessionExpired.as_str())
    }
}

impl From<rusqlite::Error> for AgentError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Cache(e.to_string())
    }
}

pub type AgentResult<T> = Result<T, AgentError>;
