//! `GET, POST /workflows`, `PUT, DELETE /workflows/{id}` (owners and managers).

use axum::extract::State;
use axum::http::StatusCode;
use messenger_protocol::{ApiErrorBody, Workflow, WorkflowId, WorkflowInput};

use super::json::ApiJson;
use super::{ApiPath, read_as, write_as};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::workflows;
use crate::error::{AppError, AppResult};

#[utoipa::path(get, path = "/workflows", tag = "workflows", security(("bearer" = [])),
    responses((status = 200, body = Vec<Workflow>), (status = 403, body = ApiErrorBody)))]
pub async fn list_workflows(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<ApiJson<Vec<Workflow>>> {
    if !me.user.role.administers() {
        return Err(AppError::forbidden(
            "Only owners and managers can see workflows.",
        ));
    }
    Ok(ApiJson(
        read_as(&state, me, |tx, _| Ok(tx.workflows()?)).await?,
    ))
}

/// Add a workflow; a refused step is named (`steps[2] (assign): ...`).
#[utoipa::path(post, path = "/workflows", tag = "workflows", security(("bearer" = [])), request_body = WorkflowInput,
    responses((status = 201, body = Workflow), (status = 400, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
pub async fn create_workflow(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(input): ApiJson<WorkflowInput>,
) -> AppResult<(StatusCode, ApiJson<Workflow>)> {
    let w = write_as(&state, me, move |tx, ctx| {
        workflows::create(tx, ctx, input.clone())
    })
    .await?;
    Ok((StatusCode::CREATED, ApiJson(w)))
}

/// Replace a workflow (runs already under way finish with the steps they started with).
#[utoipa::path(put, path = "/workflows/{id}", tag = "workflows", security(("bearer" = [])), request_body = WorkflowInput,
    params(("id" = String, Path)),
    responses((status = 200, body = Workflow), (status = 400, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn replace_workflow(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<WorkflowId>,
    ApiJson(input): ApiJson<WorkflowInput>,
) -> AppResult<ApiJson<Workflow>> {
    Ok(ApiJson(
        write_as(&state, me, move |tx, ctx| {
            workflows::replace(tx, ctx, &id, input.clone())
        })
        .await?,
    ))
}

#[utoipa::path(delete, path = "/workflows/{id}", tag = "workflows", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 204), (status = 404, body = ApiErrorBody)))]
pub async fn delete_workflow(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<WorkflowId>,
) -> AppResult<StatusCode> {
    write_as(&state, me, move |tx, ctx| workflows::delete(tx, ctx, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
