//! `GET, POST /custom-fields`: the workspace's custom contact fields (everyone reads them,
//! owners and managers define them); contacts' values are set with `PATCH /contacts/{id}`.

use axum::extract::State;
use axum::http::StatusCode;
use messenger_protocol::{ApiErrorBody, CustomField, NewCustomField};

use super::json::ApiJson;
use super::{read_as, write_as};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::custom_fields;
use crate::error::AppResult;

#[utoipa::path(get, path = "/custom-fields", tag = "contacts", security(("bearer" = [])),
    responses((status = 200, body = Vec<CustomField>)))]
pub async fn list_custom_fields(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<ApiJson<Vec<CustomField>>> {
    Ok(ApiJson(
        read_as(&state, me, |tx, _| Ok(tx.custom_fields()?)).await?,
    ))
}

/// Define a field; its slug (made of the name when not given) never changes.
#[utoipa::path(post, path = "/custom-fields", tag = "contacts", security(("bearer" = [])),
    request_body = NewCustomField,
    responses((status = 201, body = CustomField), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn create_custom_field(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(input): ApiJson<NewCustomField>,
) -> AppResult<(StatusCode, ApiJson<CustomField>)> {
    let field = write_as(&state, me, move |tx, ctx| {
        custom_fields::create(tx, ctx, input.clone())
    })
    .await?;
    Ok((StatusCode::CREATED, ApiJson(field)))
}
