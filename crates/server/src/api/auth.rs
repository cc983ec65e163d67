//! `POST /auth/login`, `POST /auth/logout`.

use axum::extract::State;
use axum::http::StatusCode;
use messenger_protocol::{ApiErrorBody, ErrorCode, LoginRequest, LoginResponse};

use super::json::ApiJson;
use crate::app::AppState;
use crate::auth::{CurrentUser, password, token};
use crate::domain::users::normalize_email;
use crate::error::{AppError, AppResult};
use crate::store::SessionRecord;

/// Sign in with email and password; answers a bearer token.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ApiErrorBody), (status = 400, body = ApiErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<ApiJson<LoginResponse>> {
    let email = normalize_email(&req.email);
    if email.is_empty() || req.password.is_empty() {
        return Err(AppError::invalid("Enter both an email and a password."));
    }
    let lookup = email.clone();
    let user = state
        .store
        .read(move |tx| tx.user_by_email(&lookup).map_err(AppError::from))
        .await?;
    let password = req.password;
    // argon2 costs tens of milliseconds of CPU: keep it off the async workers.
    let user = tokio::task::spawn_blocking(move || match user {
        Some(u) if u.active && password::verify(&password, &u.password_hash) => Some(u),
        // Removed users get the same answer as a wrong password.
        Some(_) => None,
        None => {
            password::verify_against_nothing(&password);
            None
        }
    })
    .await
    .map_err(|e| AppError::internal("checking the password", e))?;
    let Some(user) = user else {
        tracing::info!(%email, "sign-in refused");
        return Err(AppError::new(
            ErrorCode::InvalidCredentials,
            "Wrong email or password.",
        ));
    };
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

/// Sign out: the token is dead from then on.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ApiErrorBody)))]
pub async fn logout(State(state): State<AppState>, me: CurrentUser) -> AppResult<StatusCode> {
    let hash = me.token_hash.clone();
    state
        .store
        .write(move |tx| tx.delete_session(&hash).map_err(AppError::from))
        .await?;
    tracing::info!(user_id = %me.user.id, "signed out");
    Ok(StatusCode::NO_CONTENT)
}
