//! `GET, POST /closing-note-categories`, `PATCH, DELETE /closing-note-categories/{id}`.

use axum::extract::State;
use axum::http::StatusCode;
use messenger_protocol::{ApiErrorBody, CategoryId, CategoryInput, ClosingNoteCategory};

use super::json::ApiJson;
use super::{ApiPath, read_as, write_as};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::categories;
use crate::error::AppResult;

#[utoipa::path(get, path = "/closing-note-categories", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = Vec<ClosingNoteCategory>)))]
pub async fn list_categories(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<ApiJson<Vec<ClosingNoteCategory>>> {
    Ok(ApiJson(
        read_as(&state, me, |tx, _| Ok(tx.categories()?)).await?,
    ))
}

#[utoipa::path(post, path = "/closing-note-categories", tag = "settings", security(("bearer" = [])), request_body = CategoryInput,
    responses((status = 201, body = ClosingNoteCategory), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn create_category(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(input): ApiJson<CategoryInput>,
) -> AppResult<(StatusCode, ApiJson<ClosingNoteCategory>)> {
    let c = write_as(&state, me, move |tx, ctx| {
        categories::create(tx, ctx, input.clone())
    })
    .await?;
    Ok((StatusCode::CREATED, ApiJson(c)))
}

#[utoipa::path(patch, path = "/closing-note-categories/{id}", tag = "settings", security(("bearer" = [])), request_body = CategoryInput,
    params(("id" = String, Path)),
    responses((status = 200, body = ClosingNoteCategory), (status = 404, body = ApiErrorBody)))]
pub async fn patch_category(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<CategoryId>,
    ApiJson(input): ApiJson<CategoryInput>,
) -> AppResult<ApiJson<ClosingNoteCategory>> {
    Ok(ApiJson(
        write_as(&state, me, move |tx, ctx| {
            categories::update(tx, ctx, &id, input.clone())
        })
        .await?,
    ))
}

#[utoipa::path(delete, path = "/closing-note-categories/{id}", tag = "settings", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ApiErrorBody)))]
pub async fn delete_category(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<CategoryId>,
) -> AppResult<StatusCode> {
    write_as(&state, me, move |tx, ctx| categories::delete(tx, ctx, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
