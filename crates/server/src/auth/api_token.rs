//! A Developer API request's caller: a workspace access token (`Authorization: Bearer ism_…`).
//! The token acts with its creator's rights while the creator is an active owner or manager;
//! a token whose creator was removed or demoted is refused, as is a revoked one. Session
//! tokens and channel tokens are not Developer API tokens.

use axum::http::HeaderMap;
use messenger_protocol::ErrorCode;

use super::current_user::{TOUCH_EVERY_MS, bearer_token_of};
use super::token;
use crate::app::AppState;
use crate::domain::api_tokens::TOKEN_PREFIX;
use crate::error::AppError;
use crate::store::{ApiTokenRecord, UserRecord};

#[derive(Clone, Debug)]
pub struct ApiCaller {
    /// The token's creator, whose rights it has.
    pub user: UserRecord,
    pub token: ApiTokenRecord,
}

/// Whether a token's creator lets it act: an active owner or manager.
pub fn may_act(creator: &UserRecord) -> bool {
    creator.active && creator.role.administers()
}

pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<ApiCaller, AppError> {
    let secret = bearer_token_of(headers)?;
    if !secret.starts_with(TOKEN_PREFIX) {
        return Err(AppError::unauthenticated(
            "The Developer API takes a workspace access token (ism_…), created by an owner or \
             manager under Settings › API tokens.",
        ));
    }
    let digest = token::hash(&secret);
    let found = state
        .store
        .read(move |tx| {
            let Some(token) = tx.api_token(&digest)? else {
                return Ok(None);
            };
            let user = tx.user(&token.created_by)?;
            Ok(Some((token, user)))
        })
        .await?;
    let Some((token, user)) = found else {
        return Err(AppError::unauthenticated(
            "This API token is not valid (revoked, or never issued).",
        ));
    };
    let Some(user) = user.filter(may_act) else {
        return Err(AppError::new(
            ErrorCode::Unauthenticated,
            "This API token's creator is no longer an owner or manager of the workspace; create \
             a new token.",
        ));
    };
    let now = state.clock.now();
    let stale = token
        .last_used_at
        .is_none_or(|at| now.millis() - at.millis() > TOUCH_EVERY_MS);
    if stale {
        // Best effort: a request is not refused for want of a "last used" mark.
        let id = token.id.clone();
        if let Err(e) = state
            .store
            .write(move |tx| tx.touch_api_token(&id, now).map_err(AppError::from))
            .await
        {
            tracing::warn!(error = %e, "cannot mark an API token used");
        }
    }
    Ok(ApiCaller { user, token })
}
