//! The workspace: its users, channels, closing-note categories and custom contact fields.

use axum::extract::{OriginalUri, State};
use messenger_protocol::developer_api as v2;
use messenger_protocol::{CustomFieldType, NewCustomField, UserId};

use super::convert::{self, num};
use super::error::{V2Json, V2Path, V2Query, V2Result};
use super::pagination::{self, PageQuery};
use super::{read, write};
use crate::api::check_id;
use crate::app::AppState;
use crate::auth::api_token::ApiCaller;
use crate::domain::custom_fields;
use crate::error::AppError;

/// The users of the workspace (removed users too, as the timeline names them).
#[utoipa::path(get, path = "/space/user", tag = "workspace", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = Object, description = "{items: [User], pagination}"), (status = 401, body = v2::V2Error)))]
pub async fn list_users(
    State(state): State<AppState>,
    caller: ApiCaller,
    OriginalUri(uri): OriginalUri,
    V2Query(q): V2Query<PageQuery>,
) -> V2Result<V2Json<v2::Page<v2::User>>> {
    let page = pagination::whole(
        &state,
        &caller,
        uri.path(),
        &q,
        |tx| Ok(tx.users()?),
        convert::user,
        |u| u.id,
    );
    Ok(V2Json(page.await?))
}

#[utoipa::path(get, path = "/space/user/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = v2::User), (status = 404, body = v2::V2Error)))]
pub async fn get_user(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Path(id): V2Path<String>,
) -> V2Result<V2Json<v2::User>> {
    check_id(&UserId(id.clone()))?;
    let user = read(&state, &caller, move |tx, _| {
        tx.user(&UserId(id.clone()))?
            .ok_or_else(|| AppError::not_found(&format!("User {id}")))
    })
    .await?;
    Ok(V2Json(convert::user(&user)))
}

#[utoipa::path(get, path = "/space/channel", tag = "workspace", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = Object, description = "{items: [Channel], pagination}")))]
pub async fn list_channels(
    State(state): State<AppState>,
    caller: ApiCaller,
    OriginalUri(uri): OriginalUri,
    V2Query(q): V2Query<PageQuery>,
) -> V2Result<V2Json<v2::Page<v2::Channel>>> {
    let page = pagination::whole(
        &state,
        &caller,
        uri.path(),
        &q,
        |tx| Ok(tx.channels()?),
        convert::channel,
        |c| c.id,
    );
    Ok(V2Json(page.await?))
}

/// The closing-note categories a conversation may be closed with.
#[utoipa::path(get, path = "/space/closing_notes", tag = "workspace", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = Object, description = "{items: [ClosingNote], pagination}")))]
pub async fn list_closing_notes(
    State(state): State<AppState>,
    caller: ApiCaller,
    OriginalUri(uri): OriginalUri,
    V2Query(q): V2Query<PageQuery>,
) -> V2Result<V2Json<v2::Page<v2::ClosingNote>>> {
    let page = pagination::whole(
        &state,
        &caller,
        uri.path(),
        &q,
        |tx| Ok(tx.categories()?),
        |c| v2::ClosingNote {
            id: num(c.id.as_str()),
            timestamp: 0,
            content: c.name.clone(),
            category: c.name.clone(),
            description: Some(c.description.clone()).filter(|d| !d.is_empty()),
        },
        |c| c.id,
    );
    Ok(V2Json(page.await?))
}

/// The workspace's custom contact fields.
#[utoipa::path(get, path = "/space/custom_field", tag = "workspace", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = Object, description = "{items: [CustomField], pagination}")))]
pub async fn list_custom_fields(
    State(state): State<AppState>,
    caller: ApiCaller,
    OriginalUri(uri): OriginalUri,
    V2Query(q): V2Query<PageQuery>,
) -> V2Result<V2Json<v2::Page<v2::CustomFieldDefinition>>> {
    let page = pagination::whole(
        &state,
        &caller,
        uri.path(),
        &q,
        |tx| Ok(tx.custom_fields()?),
        convert::custom_field,
        |f| f.id,
    );
    Ok(V2Json(page.await?))
}

#[utoipa::path(get, path = "/space/custom_field/{id}", tag = "workspace", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = v2::CustomFieldDefinition), (status = 404, body = v2::V2Error)))]
pub async fn get_custom_field(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Path(id): V2Path<String>,
) -> V2Result<V2Json<v2::CustomFieldDefinition>> {
    let fields = read(&state, &caller, |tx, _| Ok(tx.custom_fields()?)).await?;
    fields
        .iter()
        .find(|f| f.id.as_str() == id)
        .map(|f| V2Json(convert::custom_field(f)))
        .ok_or_else(|| AppError::not_found(&format!("Custom field {id}")).into())
}

/// Define a custom contact field (as the n8n node sends it: `allowedValues: []`, `slug: ""`
/// and `description: ""` when unset).
#[utoipa::path(post, path = "/space/custom_field", tag = "workspace", security(("bearer" = [])),
    request_body = v2::NewCustomField,
    responses((status = 200, body = v2::CustomFieldDefinition), (status = 400, body = v2::V2Error), (status = 409, body = v2::V2Error)))]
pub async fn create_custom_field(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Json(input): V2Json<v2::NewCustomField>,
) -> V2Result<V2Json<v2::CustomFieldDefinition>> {
    let data_type = CustomFieldType::parse(input.data_type.trim()).ok_or_else(|| {
        AppError::invalid(format!(
            "dataType must be text, list, checkbox, email, number, url, date or time, not {:?}.",
            input.data_type
        ))
    })?;
    let new = NewCustomField {
        name: input.name,
        slug: input.slug,
        description: input.description,
        data_type,
        allowed_values: input.allowed_values.unwrap_or_default(),
    };
    let field = write(&state, &caller, move |tx, ctx| {
        custom_fields::create(tx, ctx, new.clone())
    })
    .await?;
    Ok(V2Json(convert::custom_field(&field)))
}
