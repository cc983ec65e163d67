//! `ApiJson<T>`: the JSON body extractor whose every rejection is a DESIGN.md error body with a
//! precise message (what was wrong, where), instead of axum's plain-text rejections.

use axum::body::Bytes;
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
        if !is_json(req.headers()) {
            return Err(AppError::new(
                ErrorCode::UnsupportedMediaType,
                "Send the body as JSON with `Content-Type: application/json`.",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::new(
                    ErrorCode::PayloadTooLarge,
                    "The body is larger than the server accepts.",
                )
            } else {
                AppError::malformed(format!("The body could not be read: {}", e.body_text()))
            }
        })?;
        // PostgreSQL's text cannot hold U+0000, and no person or provider means one: every
        // store refuses it the same way, before anything is stored.
        if has_nul_escape(&bytes) {
            return Err(AppError::invalid(
                "Text cannot contain the NUL character (\\u0000).",
            ));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// `application/json`, or a `+json` type.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Whether a JSON text holds the escape `\u0000` (a backslash that is not itself escaped).
fn has_nul_escape(json: &[u8]) -> bool {
    let needle = b"\\u0000";
    json.windows(needle.len()).enumerate().any(|(i, w)| {
        w == needle && json[..i].iter().rev().take_while(|b| **b == b'\\').count() % 2 == 0
    })
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

#[cfg(test)]
mod tests {
    use super::has_nul_escape;

    #[test]
    fn a_nul_escape_is_found_and_an_escaped_backslash_before_u0000_is_not_one() {
        assert!(has_nul_escape(br#"{"text": "a\u0000b"}"#));
        assert!(has_nul_escape(br#"{"text": "\\\u0000"}"#));
        assert!(!has_nul_escape(br#"{"text": "\\u0000"}"#));
        assert!(!has_nul_escape(br#"{"text": "u0000 \u0001"}"#));
    }
}
