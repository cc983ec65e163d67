//! `GET /me`, `PUT /me/status`.

use axum::extract::State;
use messenger_protocol::{ApiErrorBody, StatusUpdate, User};

use super::json::ApiJson;
use super::write_as;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::users;
use crate::error::AppResult;

/// Who the token belongs to.
#[utoipa::path(get, path = "/me", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = ApiErrorBody)))]
pub async fn get_me(me: CurrentUser) -> ApiJson<User> {
    ApiJson(me.user.to_api())
}

/// Set your status: online or busy.
#[utoipa::path(put, path = "/me/status", tag = "users", security(("bearer" = [])), request_body = StatusUpdate,
    responses((status = 200, body = User), (status = 400, body = ApiErrorBody)))]
pub async fn put_status(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(req): ApiJson<StatusUpdate>,
) -> AppResult<ApiJson<User>> {
    let user = write_as(&state, me, move |tx, ctx| {
        users::set_status(tx, ctx, req.status)
    })
    .await?;
    Ok(ApiJson(user.to_api()))
}
