//! `ApiJson<T>`: the JSON body extractor whose every rejection is a DESIGN.md error body with a
//! precise message (what was wrong, where), instead of axum's plain-text rejections.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use messenger_protocol::ErrorCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => AppError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        JsonRejection::JsonSyntaxError(e) => AppError::malformed(format!(
            "The body is not valid JSON: {}",
            inner_message(&e.body_text())
        )),
        JsonRejection::JsonDataError(e) => AppError::malformed(format!(
            "The body does not have the expected fields: {}",
            inner_message(&e.body_text())
        )),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::new(
                ErrorCode::PayloadTooLarge,
                "The body is larger than the server accepts.",
            )
        }
        other => AppError::malformed(format!("The body could not be read: {}", other.body_text())),
    }
}

/// axum prefixes serde's message with its own sentence; keep serde's part, which names the
/// field and position.
fn inner_message(text: &str) -> String {
    text.split_once(": ")
        .map(|(_, m)| m)
        .unwrap_or(text)
        .trim()
        .to_owned()
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
