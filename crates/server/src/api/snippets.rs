//! `GET, POST /snippets`, `PATCH, DELETE /snippets/{id}`, `POST /snippets/{id}/render`.

use axum::extract::State;
use axum::http::StatusCode;
use messenger_protocol::{
    ApiErrorBody, RenderSnippetRequest, RenderedSnippet, Snippet, SnippetId, SnippetInput,
};

use super::json::ApiJson;
use super::{ApiPath, read_as, write_as};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::{contacts, snippets};
use crate::error::{AppError, AppResult};

#[utoipa::path(get, path = "/snippets", tag = "snippets", security(("bearer" = [])),
    responses((status = 200, body = Vec<Snippet>)))]
pub async fn list_snippets(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<ApiJson<Vec<Snippet>>> {
    Ok(ApiJson(
        read_as(&state, me, |tx, _| Ok(tx.snippets()?)).await?,
    ))
}

#[utoipa::path(post, path = "/snippets", tag = "snippets", security(("bearer" = [])), request_body = SnippetInput,
    responses((status = 201, body = Snippet), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn create_snippet(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(input): ApiJson<SnippetInput>,
) -> AppResult<(StatusCode, ApiJson<Snippet>)> {
    let s = write_as(&state, me, move |tx, ctx| {
        snippets::create(tx, ctx, input.clone())
    })
    .await?;
    Ok((StatusCode::CREATED, ApiJson(s)))
}

#[utoipa::path(patch, path = "/snippets/{id}", tag = "snippets", security(("bearer" = [])), request_body = SnippetInput,
    params(("id" = String, Path)), responses((status = 200, body = Snippet), (status = 404, body = ApiErrorBody)))]
pub async fn patch_snippet(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<SnippetId>,
    ApiJson(input): ApiJson<SnippetInput>,
) -> AppResult<ApiJson<Snippet>> {
    Ok(ApiJson(
        write_as(&state, me, move |tx, ctx| {
            snippets::update(tx, ctx, &id, input.clone())
        })
        .await?,
    ))
}

#[utoipa::path(delete, path = "/snippets/{id}", tag = "snippets", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 204), (status = 404, body = ApiErrorBody)))]
pub async fn delete_snippet(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<SnippetId>,
) -> AppResult<StatusCode> {
    write_as(&state, me, move |tx, ctx| snippets::delete(tx, ctx, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The snippet's text with its variables filled for a contact and the caller.
#[utoipa::path(post, path = "/snippets/{id}/render", tag = "snippets", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = RenderSnippetRequest,
    responses((status = 200, body = RenderedSnippet), (status = 404, body = ApiErrorBody)))]
pub async fn render_snippet(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<SnippetId>,
    ApiJson(req): ApiJson<RenderSnippetRequest>,
) -> AppResult<ApiJson<RenderedSnippet>> {
    let text = read_as(&state, me, move |tx, ctx| {
        let snippet = tx
            .snippet(&id)?
            .ok_or_else(|| AppError::not_found(&format!("Snippet {id}")))?;
        let contact = contacts::visible(tx, ctx, &req.contact_id)?;
        Ok(snippets::render(&snippet.text, &contact, &ctx.me.name))
    })
    .await?;
    Ok(ApiJson(RenderedSnippet { text }))
}
