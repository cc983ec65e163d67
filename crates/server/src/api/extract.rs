//! Extractors whose rejections are DESIGN.md error bodies: `ApiQuery`, `ApiPath` and
//! `ApiUpgrade` (`ApiJson` lives in `json.rs`). Path ids are checked here, before any handler
//! runs, so a malformed id is a 400 and never reaches the store as something else.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use messenger_protocol::{
    ApiTokenId, CategoryId, ChannelId, ContactId, ConversationId, FileId, MessageId, SnippetId,
    UserId, WorkflowId,
};
use serde::de::DeserializeOwned;

use crate::error::AppError;

pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Self(v))
            .map_err(|e| {
                AppError::malformed(format!("The query string is not valid: {}", e.body_text()))
            })
    }
}

/// What a path segment may name: each id type says what a well-formed one looks like.
pub trait PathId {
    /// The entity, for the error message ("contact id").
    const WHAT: &'static str;
    /// How a well-formed id looks, for the error message.
    const SHAPE: &'static str = "a positive decimal number";

    fn text(&self) -> &str;

    fn well_formed(text: &str) -> bool {
        is_decimal_id(text)
    }
}

/// The store's ids: a positive decimal number that fits an i64, without leading zeros (so one
/// entity has one spelling).
pub fn is_decimal_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 19
        && !text.starts_with('0')
        && text.bytes().all(|b| b.is_ascii_digit())
        && text.parse::<i64>().is_ok()
}

/// Checks an id given in a query string (`before=`, `user_id=`) as a path id is checked.
pub fn check_id<T: PathId>(id: &T) -> Result<(), AppError> {
    if T::well_formed(id.text()) {
        Ok(())
    } else {
        Err(malformed_id::<T>(id.text()))
    }
}

fn malformed_id<T: PathId>(text: &str) -> AppError {
    let shown: String = text.chars().take(40).collect();
    let more = if shown.len() < text.len() { "…" } else { "" };
    AppError::malformed(format!(
        "{shown:?}{more} is not a valid {}: it must be {}.",
        T::WHAT,
        T::SHAPE
    ))
}

macro_rules! decimal_path_id {
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl PathId for $ty {
            const WHAT: &'static str = $what;
            fn text(&self) -> &str {
                self.as_str()
            }
        }
    )*};
}

decimal_path_id!(
    ContactId => "contact id",
    ConversationId => "conversation id",
    MessageId => "message id",
    UserId => "user id",
    ChannelId => "channel id",
    CategoryId => "category id",
    SnippetId => "snippet id",
    WorkflowId => "workflow id",
    ApiTokenId => "API token id",
);

/// Untyped ids (integration webhooks) are store ids like the rest.
impl PathId for String {
    const WHAT: &'static str = "id";
    fn text(&self) -> &str {
        self
    }
}

/// File ids are opaque to clients (they may become unguessable tokens): only their length and
/// alphabet are checked here; an unknown one is a 404 from the handler.
impl PathId for FileId {
    const WHAT: &'static str = "file id";
    const SHAPE: &'static str = "1 to 128 letters, digits or -_.~+=";
    fn text(&self) -> &str {
        self.as_str()
    }
    fn well_formed(text: &str) -> bool {
        (1..=128).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~+=".contains(&b))
    }
}

pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + PathId + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Path(id) = Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(|e| {
                AppError::malformed(format!("The path is not valid: {}", e.body_text()))
            })?;
        check_id(&id)?;
        Ok(Self(id))
    }
}

/// A WebSocket upgrade whose refusal (a plain GET, a wrong version) is a DESIGN.md error body:
/// 400 `malformed_request` naming the headers to send.
pub struct ApiUpgrade(pub WebSocketUpgrade);

impl<S: Send + Sync> FromRequestParts<S> for ApiUpgrade {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        WebSocketUpgrade::from_request_parts(parts, state)
            .await
            .map(Self)
            .map_err(|e| {
                AppError::malformed(format!(
                    "This is a WebSocket endpoint: connect with `Connection: Upgrade`, `Upgrade: websocket`, \
                     `Sec-WebSocket-Version: 13` and a `Sec-WebSocket-Key` ({}).",
                    e.body_text().trim_end_matches('.')
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_ids_are_positive_canonical_and_fit_the_store() {
        for ok in ["1", "42", "9223372036854775807"] {
            assert!(is_decimal_id(ok), "{ok}");
        }
        for bad in [
            "",
            "0",
            "007",
            "-1",
            "+1",
            "1.0",
            "1e3",
            "abc",
            " 1",
            "9223372036854775808",
            "99999999999999999999",
            "١",
        ] {
            assert!(!is_decimal_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn file_ids_are_checked_for_length_and_alphabet_only() {
        assert!(FileId::well_formed("12"));
        assert!(FileId::well_formed("f_3q9Zx-AbC"));
        assert!(!FileId::well_formed(""));
        assert!(!FileId::well_formed(&"a".repeat(129)));
        assert!(!FileId::well_formed("a b"));
        assert!(!FileId::well_formed("ü"));
    }
}
