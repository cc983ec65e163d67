//! The one error shape of the API: `{"error": {"code": "...", "message": "..."}}`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Machine-readable error codes. The HTTP status goes with the code (see [`ErrorCode::status`]);
/// the message is a sentence for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not valid JSON, or not of the expected shape.
    MalformedRequest,
    /// A field is present and well-formed but its value is not acceptable.
    InvalidField,
    /// No token, an unknown token, or a token that was signed out.
    Unauthenticated,
    /// Wrong email or password.
    InvalidCredentials,
    /// The session was valid but went unused for too long.
    SessionExpired,
    /// Signed in, but the role or visibility does not allow it.
    Forbidden,
    /// No such route or entity (or not visible to this user).
    NotFound,
    /// The method is not allowed on this route.
    MethodNotAllowed,
    /// The request conflicts with the current state (duplicate email, ...).
    Conflict,
    /// The contact already has an open conversation.
    ConversationAlreadyOpen,
    /// The conversation is already closed.
    ConversationNotOpen,
    /// `since` is older than the event log keeps: re-bootstrap from `/snapshot`.
    CursorExpired,
    /// The body or upload is larger than the server accepts.
    PayloadTooLarge,
    /// The media type of the body is not JSON where JSON is required.
    UnsupportedMediaType,
    /// The workspace's closing-note mode asks for a category or summary that is missing.
    ClosingNoteRequired,
    /// The closing note names a category that does not exist.
    UnknownCategory,
    /// A rule of the Messages Module refuses the request; the message says which.
    RuleRefused,
    /// The server failed; the message says what, without internals.
    Internal,
    /// Too many failed sign-ins for this account or from this address; `Retry-After` says
    /// when to try again.
    RateLimited,
    /// The server is too busy to take the request now; `Retry-After` says when to try again.
    ServerBusy,
}

impl ErrorCode {
    /// The HTTP status that accompanies this code.
    pub fn status(self) -> u16 {
        match self {
            Self::MalformedRequest => 400,
            Self::InvalidField => 400,
            Self::Unauthenticated | Self::InvalidCredentials | Self::SessionExpired => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict | Self::ConversationAlreadyOpen | Self::ConversationNotOpen => 409,
            Self::CursorExpired => 410,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::ClosingNoteRequired | Self::UnknownCategory | Self::RuleRefused => 422,
            Self::Internal => 500,
            Self::RateLimited => 429,
            Self::ServerBusy => 503,
        }
    }

    /// The snake_case name as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MalformedRequest => "malformed_request",
            Self::InvalidField => "invalid_field",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::SessionExpired => "session_expired",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::ConversationAlreadyOpen => "conversation_already_open",
            Self::ConversationNotOpen => "conversation_not_open",
            Self::CursorExpired => "cursor_expired",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::ClosingNoteRequired => "closing_note_required",
            Self::UnknownCategory => "unknown_category",
            Self::RuleRefused => "rule_refused",
            Self::Internal => "internal",
            Self::RateLimited => "rate_limited",
            Self::ServerBusy => "server_busy",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The inner object of an error body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable code for programs. Kept as a string so that a client built against an older
    /// protocol still reads codes it does not know.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// Whether the very same request may be accepted later, once the workspace has changed
    /// (an assignment, a conversation opened or closed, a setting): the server states it, and
    /// clients offer to retry by it. Absent from servers that predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub may_pass_later: Option<bool>,
}

/// Every non-2xx answer of the API carries this body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    pub error: ErrorDetail,
}

impl ApiErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code: code.as_str().to_owned(),
                message: message.into(),
                may_pass_later: None,
            },
        }
    }

    /// With the server's word on whether a retry may pass.
    pub fn may_pass_later(mut self, may: bool) -> Self {
        self.error.may_pass_later = Some(may);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_the_design_shape() {
        let body = ApiErrorBody::new(ErrorCode::InvalidCredentials, "Wrong email or password.");
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "invalid_credentials", "message": "Wrong email or password."}})
        );
    }

    #[test]
    fn code_names_match_serde_names() {
        for code in [
            ErrorCode::MalformedRequest,
            ErrorCode::InvalidField,
            ErrorCode::Unauthenticated,
            ErrorCode::InvalidCredentials,
            ErrorCode::SessionExpired,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::Conflict,
            ErrorCode::ConversationAlreadyOpen,
            ErrorCode::ConversationNotOpen,
            ErrorCode::CursorExpired,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::ClosingNoteRequired,
            ErrorCode::UnknownCategory,
            ErrorCode::RuleRefused,
            ErrorCode::Internal,
            ErrorCode::RateLimited,
            ErrorCode::ServerBusy,
        ] {
            let via_serde = serde_json::to_value(code).unwrap();
            assert_eq!(via_serde, serde_json::Value::String(code.as_str().into()));
        }
    }
}
