//! `GET, POST /users`, `PATCH, DELETE /users/{id}`.

use axum::extract::State;
use axum::http::StatusCode;
use messenger_protocol::{ApiErrorBody, NewUserRequest, User, UserId, UserPatch};

use super::json::ApiJson;
use super::{ApiPath, read_as, write_as};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::auth::client_address::ClientAddress;
use crate::auth::session_end::SessionEnd;
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
    let password_hash = state.hashing.hash_new(&req.password).await?;
    let created_at = state.clock.now();
    let user = write_as(&state, me, move |tx, ctx| {
        users::create(
            tx,
            Some(ctx),
            NewUser {
                name: name.clone(),
                email: email.clone(),
                role: req.role,
                password_hash: password_hash.clone(),
                created_at,
            },
        )
    })
    .await?;
    Ok((StatusCode::CREATED, ApiJson(user.to_api())))
}

/// Change a user's name, email, password or role. Changing one's own password or email needs
/// `current_password`; a new password ends the user's other sessions (all of them when an
/// owner or manager resets it).
#[utoipa::path(patch, path = "/users/{id}", tag = "users", security(("bearer" = [])), request_body = UserPatch,
    params(("id" = String, Path)),
    responses((status = 200, body = User),
        (status = 400, body = ApiErrorBody, description = "Invalid field, or `current_password` missing for one's own password or email"),
        (status = 403, body = ApiErrorBody, description = "Not allowed, or `current_password` is wrong"),
        (status = 404, body = ApiErrorBody),
        (status = 429, body = ApiErrorBody, description = "Too many wrong passwords for the account; see `Retry-After`"),
        (status = 503, body = ApiErrorBody, description = "Password checks are saturated; see `Retry-After`")))]
pub async fn patch_user(
    State(state): State<AppState>,
    me: CurrentUser,
    address: ClientAddress,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(req): ApiJson<UserPatch>,
) -> AppResult<ApiJson<User>> {
    if users::needs_current_password(&me.user, &id, req.password.is_some(), req.email.as_deref()) {
        confirm_current_password(&state, &me, address, req.current_password).await?;
    }
    let password_hash = match &req.password {
        Some(p) => Some(state.hashing.hash_new(p).await?),
        None => None,
    };
    let changes = UserChanges {
        name: req.name,
        email: req.email,
        password_hash,
        role: req.role,
    };
    let caller_session = me.token_hash.clone();
    let (user, ended) = write_as(&state, me, move |tx, ctx| {
        users::update(tx, ctx, &id, changes.clone(), &caller_session)
    })
    .await?;
    if let Some(end) = ended {
        state.session_ends.announce(end);
    }
    Ok(ApiJson(user.to_api()))
}

/// The signed-in user's password, checked like a sign-in: wrong answers count against the
/// account's and the address's limits.
async fn confirm_current_password(
    state: &AppState,
    me: &CurrentUser,
    address: ClientAddress,
    given: Option<String>,
) -> AppResult<()> {
    let Some(given) = given.filter(|p| !p.is_empty()) else {
        return Err(AppError::invalid(
            "Enter your current password (`current_password`) to change your password or email.",
        ));
    };
    let email = &me.user.email;
    let limits = &state.sign_in_limits;
    limits.check_account(email, state.clock.now())?;
    let slot = state.hashing.slot().await?;
    limits.check_account(email, state.clock.now())?;
    let stored = me.user.password_hash.clone();
    if slot.verify(given, Some(stored)).await? {
        return Ok(());
    }
    limits.failed(email, Some(address), state.clock.now());
    Err(AppError::forbidden(
        "Your current password is not right; your password and email were not changed.",
    ))
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
    state.session_ends.announce(SessionEnd::AllOf {
        user: user.id.clone(),
        keep: None,
    });
    Ok(ApiJson(user.to_api()))
}
