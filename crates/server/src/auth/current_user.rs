//! The `CurrentUser` extractor: a valid `Authorization: Bearer <token>` or a 401.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use messenger_protocol::ErrorCode;

use super::token;
use crate::app::AppState;
use crate::error::AppError;
use crate::store::UserRecord;

/// A session (or an API token) is marked used at most this often, so reads do not turn into
/// writes.
pub(super) const TOUCH_EVERY_MS: i64 = 60 * 60 * 1000;

/// The signed-in user of this request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: UserRecord,
    pub token_hash: String,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer_token(parts)?;
        authenticate(state, &token).await
    }
}

/// The bearer token of a request, or a 401 saying what is wrong with the header.
pub fn bearer_token(parts: &Parts) -> Result<String, AppError> {
    bearer_token_of(&parts.headers)
}

pub fn bearer_token_of(headers: &axum::http::HeaderMap) -> Result<String, AppError> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| {
            AppError::unauthenticated("Sign in first: the Authorization header is missing.")
        })?;
    let value = header
        .to_str()
        .map_err(|_| AppError::unauthenticated("The Authorization header is not valid text."))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            AppError::unauthenticated("The Authorization header must be `Bearer <token>`.")
        })?;
    Ok(token.to_owned())
}

/// Looks the token up; refuses unknown and idle-expired sessions.
pub async fn authenticate(state: &AppState, token: &str) -> Result<CurrentUser, AppError> {
    authenticate_hash(state, token::hash(token)).await
}

/// Like [`authenticate`], from the stored hash of the token (long-lived connections keep only
/// the hash).
pub async fn authenticate_hash(
    state: &AppState,
    token_hash: String,
) -> Result<CurrentUser, AppError> {
    let now = state.clock.now();
    let idle_ms = i64::try_from(state.config.session_idle_timeout.as_millis()).unwrap_or(i64::MAX);
    let lookup_hash = token_hash.clone();
    let found = state
        .store
        .read(move |tx| {
            let Some(session) = tx.session(&lookup_hash)? else {
                return Ok(None);
            };
            let user = tx.user(&session.user_id)?;
            Ok(user.map(|u| (session, u)))
        })
        .await?;
    let found = found.filter(|(_, user)| user.active);
    let Some((session, user)) = found else {
        return Err(AppError::unauthenticated(
            "This session is not valid (signed out or never issued); sign in again.",
        ));
    };
    let idle = now.millis() - session.last_used_at.millis();
    if idle > idle_ms {
        let expired = token_hash.clone();
        state
            .store
            .write(move |tx| tx.delete_session(&expired).map_err(AppError::from))
            .await?;
        return Err(AppError::new(
            ErrorCode::SessionExpired,
            "This session expired after a long time unused; sign in again.",
        ));
    }
    if idle > TOUCH_EVERY_MS {
        let touched = token_hash.clone();
        state
            .store
            .write(move |tx| tx.touch_session(&touched, now).map_err(AppError::from))
            .await?;
    }
    Ok(CurrentUser { user, token_hash })
}
