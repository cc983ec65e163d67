//! `POST /auth/login`, `POST /auth/logout`.

use axum::extract::State;
use axum::http::StatusCode;
use messenger_protocol::{ApiErrorBody, ErrorCode, LoginRequest, LoginResponse};

use super::json::ApiJson;
use crate::app::AppState;
use crate::auth::client_address::ClientAddress;
use crate::auth::session_end::SessionEnd;
use crate::auth::{CurrentUser, token};
use crate::domain::users::normalize_email;
use crate::error::{AppError, AppResult};
use crate::store::SessionRecord;

/// Longer than any email `check_email` accepts; refused before it reaches the limits.
const MAX_EMAIL_BYTES: usize = 254;

/// Sign in with email and password; answers a bearer token. Failed sign-ins are limited per
/// account and per client address (429 with `Retry-After`); when password checks are
/// saturated the answer is 503 with `Retry-After`.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ApiErrorBody), (status = 400, body = ApiErrorBody),
        (status = 429, body = ApiErrorBody, description = "Too many failed sign-ins for the account or from the address; see `Retry-After`",
            headers(("Retry-After" = u64, description = "Seconds until sign-in may be tried again"))),
        (status = 503, body = ApiErrorBody, description = "Password checks are saturated; see `Retry-After`",
            headers(("Retry-After" = u64, description = "Seconds until the server may take the request")))))]
pub async fn login(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<ApiJson<LoginResponse>> {
    let email = normalize_email(&req.email);
    if email.is_empty() || req.password.is_empty() {
        return Err(AppError::invalid("Enter both an email and a password."));
    }
    if email.len() > MAX_EMAIL_BYTES {
        return Err(AppError::invalid("The email is too long."));
    }
    let limits = &state.sign_in_limits;
    // A locked-out request costs no hashing.
    limits.check(&email, address, state.clock.now())?;
    let lookup = email.clone();
    let user = state
        .store
        .read(move |tx| tx.user_by_email(&lookup).map_err(AppError::from))
        .await?;
    let slot = state.hashing.slot().await?;
    // Failures recorded while this request waited for its slot count too.
    limits.check(&email, address, state.clock.now())?;
    // Unknown emails and removed users cost the same check as a wrong password and get the
    // same answer, so neither the time nor the answer tells which accounts exist.
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = slot.verify(req.password, stored).await?;
    let user = user.filter(|u| matches && u.active);
    let Some(user) = user else {
        limits.failed(&email, Some(address), state.clock.now());
        tracing::info!(%email, "sign-in refused");
        return Err(AppError::new(
            ErrorCode::InvalidCredentials,
            "Wrong email or password.",
        ));
    };
    limits.succeeded(&email);
    let token = token::generate();
    let now = state.clock.now();
    let session = SessionRecord {
        token_hash: token::hash(&token),
        user_id: user.id.clone(),
        created_at: now,
        last_used_at: now,
    };
    state
        .store
        .write(move |tx| tx.insert_session(&session).map_err(AppError::from))
        .await?;
    tracing::info!(user_id = %user.id, "signed in");
    Ok(ApiJson(LoginResponse {
        token,
        user: user.to_api(),
    }))
}

/// Sign out: the token is dead from then on, and its open event streams close.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ApiErrorBody)))]
pub async fn logout(State(state): State<AppState>, me: CurrentUser) -> AppResult<StatusCode> {
    let hash = me.token_hash.clone();
    state
        .store
        .write(move |tx| tx.delete_session(&hash).map_err(AppError::from))
        .await?;
    state.session_ends.announce(SessionEnd::One {
        token_hash: me.token_hash,
    });
    tracing::info!(user_id = %me.user.id, "signed out");
    Ok(StatusCode::NO_CONTENT)
}
