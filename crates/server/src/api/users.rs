//! `GET, POST /users`, `PATCH, DELETE /users/{id}`.

use axum::extract::State;
use axum::http::StatusCode;
use messenger_protocol::{ApiErrorBody, NewUserRequest, User, UserId, UserPatch};

use super::json::ApiJson;
use super::{ApiPath, read_as, write_as};
use crate::app::AppState;
use crate::auth::{CurrentUser, password};
use crate::domain::users::{self, UserChanges};
use crate::error::{AppError, AppResult};
use crate::store::NewUser;

/// Everyone in the workspace (agents need teammates' names and statuses).
#[utoipa::path(get, path = "/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Vec<User>)))]
pub async fn list_users(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<ApiJson<Vec<User>>> {
    let users = read_as(&state, me, |tx, _| Ok(tx.users()?)).await?;
    Ok(ApiJson(users.iter().map(|u| u.to_api()).collect()))
}

/// Add a user (owners and managers; only owners add owners).
#[utoipa::path(post, path = "/users", tag = "users", security(("bearer" = [])), request_body = NewUserRequest,
    responses((status = 201, body = User), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<NewUserRequest>,
) -> AppResult<(StatusCode, ApiJson<User>)> {
    if !me.user.role.administers() {
        return Err(AppError::forbidden(
            "Only owners and managers can add users.",
        ));
    }
    let name = users::check_name(&req.name)?;
    let email = users::normalize_email(&req.email);
    users::check_email(&email)?;
    let password_hash = password::hash_checked(&req.password).await?;
    let created_at = state.clock.now();
    let user = write_as(&state, me, move |tx, ctx| {
        users::create(
            tx,
            Some(ctx),
            NewUser {
                name,
                email,
                role: req.role,
                password_hash,
                created_at,
            },
        )
    })
    .await?;
    Ok((StatusCode::CREATED, ApiJson(user.to_api())))
}

/// Change a user's name, email, password or role.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", security(("bearer" = [])), request_body = UserPatch,
    params(("id" = String, Path)),
    responses((status = 200, body = User), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn patch_user(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(req): ApiJson<UserPatch>,
) -> AppResult<ApiJson<User>> {
    let password_hash = match &req.password {
        Some(p) => Some(password::hash_checked(p).await?),
        None => None,
    };
    let changes = UserChanges {
        name: req.name,
        email: req.email,
        password_hash,
        role: req.role,
    };
    let user = write_as(&state, me, move |tx, ctx| {
        users::update(tx, ctx, &id, changes)
    })
    .await?;
    Ok(ApiJson(user.to_api()))
}

/// Remove a user: they can no longer sign in; their contacts become unassigned.
#[utoipa::path(delete, path = "/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = User), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn delete_user(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<UserId>,
) -> AppResult<ApiJson<User>> {
    let user = write_as(&state, me, move |tx, ctx| users::remove(tx, ctx, &id)).await?;
    Ok(ApiJson(user.to_api()))
}
