//! `GET /contacts`, `GET, PATCH /contacts/{id}`, `PUT /contacts/{id}/assignee`,
//! `POST /contacts/{id}/merge`.

use axum::extract::State;
use messenger_protocol::{
    ApiErrorBody, AssigneeUpdate, Contact, ContactId, ContactPage, ContactPatch, ContactView,
    MergeRequest, StatusFilter,
};
use serde::Deserialize;

use super::json::ApiJson;
use super::{ApiPath, ApiQuery, read_as, write_as};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::{assignment, contacts, merge};
use crate::error::{AppError, AppResult};
use crate::store::{ContactOrder, ContactQuery};

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;
/// A search longer than any name, email or phone is a mistake, not a query.
const MAX_SEARCH_CHARS: usize = 200;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// all (default), mine or unassigned.
    #[serde(default)]
    view: ContactView,
    /// open (default), closed or any.
    #[serde(default)]
    status: StatusFilter,
    /// Matches name, email or phone.
    q: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// Contacts the caller may see, most recent activity first.
#[utoipa::path(get, path = "/contacts", tag = "contacts", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = ContactPage), (status = 400, body = ApiErrorBody)))]
pub async fn list_contacts(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<ApiJson<ContactPage>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(AppError::invalid(format!(
            "limit must be from 1 to {MAX_LIMIT}."
        )));
    }
    if q.q
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_SEARCH_CHARS)
    {
        return Err(AppError::invalid(format!(
            "q must be at most {MAX_SEARCH_CHARS} characters."
        )));
    }
    let after = q
        .cursor
        .as_deref()
        .map(contacts::decode_cursor)
        .transpose()?;
    let items = read_as(&state, me, move |tx, ctx| {
        Ok(tx.contacts(&ContactQuery {
            scope: ctx.scope(),
            view: q.view,
            me: ctx.me.id.clone(),
            status: q.status,
            text: q.q.clone(),
            after,
            limit,
            order: ContactOrder::Activity,
        })?)
    })
    .await?;
    let next_cursor = (items.len() == limit)
        .then(|| items.last().map(contacts::encode_cursor))
        .flatten();
    Ok(ApiJson(ContactPage { items, next_cursor }))
}

#[utoipa::path(get, path = "/contacts/{id}", tag = "contacts", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Contact), (status = 404, body = ApiErrorBody)))]
pub async fn get_contact(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ContactId>,
) -> AppResult<ApiJson<Contact>> {
    Ok(ApiJson(
        read_as(&state, me, move |tx, ctx| contacts::visible(tx, ctx, &id)).await?,
    ))
}

#[utoipa::path(patch, path = "/contacts/{id}", tag = "contacts", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = ContactPatch, responses((status = 200, body = Contact), (status = 404, body = ApiErrorBody)))]
pub async fn patch_contact(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ContactId>,
    ApiJson(patch): ApiJson<ContactPatch>,
) -> AppResult<ApiJson<Contact>> {
    Ok(ApiJson(
        write_as(&state, me, move |tx, ctx| {
            contacts::patch(tx, ctx, &id, patch.clone())
        })
        .await?,
    ))
}

/// Assign (`{"user_id": "7"}`) or unassign (`{"user_id": null}`).
#[utoipa::path(put, path = "/contacts/{id}/assignee", tag = "contacts", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = AssigneeUpdate, responses((status = 200, body = Contact), (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn put_assignee(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ContactId>,
    ApiJson(req): ApiJson<AssigneeUpdate>,
) -> AppResult<ApiJson<Contact>> {
    let contact = write_as(&state, me, move |tx, ctx| {
        let mut contact = contacts::visible(tx, ctx, &id)?;
        assignment::set_assignee(
            tx,
            &mut contact,
            req.user_id.as_ref(),
            &ctx.actor(),
            ctx.now,
        )?;
        Ok(contact)
    })
    .await?;
    Ok(ApiJson(contact))
}

/// Merge another contact into this one (owners and managers).
#[utoipa::path(post, path = "/contacts/{id}/merge", tag = "contacts", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = MergeRequest, responses((status = 200, body = Contact), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn merge_contact(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ContactId>,
    ApiJson(req): ApiJson<MergeRequest>,
) -> AppResult<ApiJson<Contact>> {
    Ok(ApiJson(
        write_as(&state, me, move |tx, ctx| {
            merge::merge(tx, ctx, &id, &req.secondary_id)
        })
        .await?,
    ))
}
