//! `GET, POST /integrations/webhooks`, `DELETE /integrations/webhooks/{id}`.

use axum::extract::State;
use axum::http::StatusCode;
use messenger_protocol::{ApiErrorBody, IntegrationWebhook, NewIntegrationWebhook};

use super::json::ApiJson;
use super::{ApiPath, read_as, write_as};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::integrations;
use crate::error::{AppError, AppResult};

#[utoipa::path(get, path = "/integrations/webhooks", tag = "integrations", security(("bearer" = [])),
    responses((status = 200, body = Vec<IntegrationWebhook>), (status = 403, body = ApiErrorBody)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<ApiJson<Vec<IntegrationWebhook>>> {
    if !me.user.role.administers() {
        return Err(AppError::forbidden(
            "Only owners and managers can manage integrations.",
        ));
    }
    let list = read_as(&state, me, |tx, _| Ok(tx.integration_webhooks()?)).await?;
    Ok(ApiJson(list.iter().map(|w| w.to_api()).collect()))
}

/// Register a URL for events; the answer carries the signing secret.
#[utoipa::path(post, path = "/integrations/webhooks", tag = "integrations", security(("bearer" = [])),
    request_body = NewIntegrationWebhook,
    responses((status = 201, body = IntegrationWebhook), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub async fn create_webhook(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(input): ApiJson<NewIntegrationWebhook>,
) -> AppResult<(StatusCode, ApiJson<IntegrationWebhook>)> {
    let w = write_as(&state, me, move |tx, ctx| {
        integrations::create(tx, ctx, input.clone())
    })
    .await?;
    Ok((StatusCode::CREATED, ApiJson(w.to_api())))
}

#[utoipa::path(delete, path = "/integrations/webhooks/{id}", tag = "integrations", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 204), (status = 404, body = ApiErrorBody)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<String>,
) -> AppResult<StatusCode> {
    write_as(&state, me, move |tx, ctx| {
        integrations::delete(tx, ctx, &id)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
