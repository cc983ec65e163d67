//! The server's error: a code from the protocol and a sentence. Every handler returns it, and
//! it always renders as the DESIGN.md error body with the code's status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use messenger_protocol::{ApiErrorBody, ErrorCode};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds for the `Retry-After` header (rate limits, a busy server).
    pub retry_after: Option<u64>,
    /// The store's failure behind this error, when there is one: kept typed so that a store can
    /// tell a transaction worth running again from a refusal.
    #[source]
    pub cause: Option<Box<StoreError>>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after: None,
            cause: None,
        }
    }

    /// Whether the transaction that failed with this may succeed when run again.
    pub fn is_retryable(&self) -> bool {
        self.cause.as_deref().is_some_and(StoreError::is_retryable)
    }

    /// Too many failures; try again after `retry_after_secs`.
    pub fn rate_limited(message: impl Into<String>, retry_after_secs: u64) -> Self {
        Self {
            retry_after: Some(retry_after_secs),
            ..Self::new(ErrorCode::RateLimited, message)
        }
    }

    /// The server cannot take this now; try again after `retry_after_secs`.
    pub fn busy(message: impl Into<String>, retry_after_secs: u64) -> Self {
        Self {
            retry_after: Some(retry_after_secs),
            ..Self::new(ErrorCode::ServerBusy, message)
        }
    }

    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::MalformedRequest, message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidField, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found."))
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthenticated, message)
    }

    /// A failure of ours. The details go to the log; the client gets a stable sentence.
    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "{context}");
        Self::new(
            ErrorCode::Internal,
            format!("The server failed while {context}; nothing was changed."),
        )
    }

    fn with_cause(mut self, cause: StoreError) -> Self {
        self.cause = Some(Box::new(cause));
        self
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(what) => AppError::conflict(what),
            StoreError::NotFound(what) => AppError::not_found(&what),
            StoreError::Invalid(what) => AppError::invalid(what),
            // Not logged here: the store runs the transaction again, and logs if it gives up.
            retryable @ StoreError::Retryable(_) => AppError {
                cause: Some(Box::new(retryable)),
                ..AppError::busy(
                    "The database was busy with concurrent changes; nothing was changed. Try again.",
                    1,
                )
            },
            other => AppError::internal("using the database", &other).with_cause(other),
        }
    }
}

/// Whether the very same request may be accepted later, once the workspace has changed (an
/// assignment, a conversation opened or closed, a setting, a category): every error body says
/// it, and clients offer to retry those refusals only. The others refuse what was sent, and
/// always will.
pub fn may_pass_later(code: ErrorCode) -> bool {
    match code {
        ErrorCode::Forbidden
        | ErrorCode::Conflict
        | ErrorCode::ConversationAlreadyOpen
        | ErrorCode::ConversationNotOpen
        | ErrorCode::ClosingNoteRequired
        | ErrorCode::UnknownCategory
        | ErrorCode::RuleRefused
        | ErrorCode::Unauthenticated
        | ErrorCode::SessionExpired
        | ErrorCode::RateLimited
        | ErrorCode::ServerBusy
        | ErrorCode::Internal
        | ErrorCode::CursorExpired => true,
        ErrorCode::MalformedRequest
        | ErrorCode::InvalidField
        | ErrorCode::InvalidCredentials
        | ErrorCode::NotFound
        | ErrorCode::MethodNotAllowed
        | ErrorCode::PayloadTooLarge
        | ErrorCode::UnsupportedMediaType => false,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (
            status,
            axum::Json(
                ApiErrorBody::new(self.code, self.message)
                    .may_pass_later(may_pass_later(self.code)),
            ),
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}
