//! `GET, POST /api-tokens`, `DELETE /api-tokens/{id}`: the Developer API's workspace access
//! tokens (owners and managers).

use axum::extract::State;
use axum::http::StatusCode;
use messenger_protocol::{ApiErrorBody, ApiToken, ApiTokenId, CreatedApiToken, NewApiToken};

use super::json::ApiJson;
use super::{ApiPath, read_as, write_as};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::api_tokens;
use crate::error::AppResult;

/// The workspace's tokens (never the tokens themselves, which are shown once).
#[utoipa::path(get, path = "/api-tokens", tag = "developer api", security(("bearer" = [])),
    responses((status = 200, body = Vec<ApiToken>), (status = 403, body = ApiErrorBody)))]
pub async fn list_api_tokens(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<ApiJson<Vec<ApiToken>>> {
    Ok(ApiJson(
        read_as(&state, me, |tx, ctx| api_tokens::list(tx, ctx)).await?,
    ))
}

/// Create a token for `/v2`; the answer is the only time the token is shown.
#[utoipa::path(post, path = "/api-tokens", tag = "developer api", security(("bearer" = [])),
    request_body = NewApiToken,
    responses((status = 201, body = CreatedApiToken), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub async fn create_api_token(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(input): ApiJson<NewApiToken>,
) -> AppResult<(StatusCode, ApiJson<CreatedApiToken>)> {
    let created = write_as(&state, me, move |tx, ctx| {
        api_tokens::create(tx, ctx, input.clone())
    })
    .await?;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

/// Revoke a token: from now on it is refused.
#[utoipa::path(delete, path = "/api-tokens/{id}", tag = "developer api", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn revoke_api_token(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ApiTokenId>,
) -> AppResult<StatusCode> {
    write_as(&state, me, move |tx, ctx| api_tokens::revoke(tx, ctx, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
