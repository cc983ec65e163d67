//! `GET /sync?since=&limit=` and `GET /snapshot`: the event log read by pages, filtered for the
//! reader, and the state a client starts from.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use messenger_protocol::{ApiErrorBody, ErrorCode, Seq, Snapshot, SyncPage};
use serde::Deserialize;

use super::json::ApiJson;
use super::{ApiQuery, read_as};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::visibility::LogView;
use crate::error::{AppError, AppResult};
use crate::store::{ReadTx, public_channel};

const DEFAULT_LIMIT: usize = 500;
const MAX_LIMIT: usize = 5000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SyncQuery {
    /// The highest seq the client has applied (0 for none).
    since: Seq,
    limit: Option<usize>,
}

/// 410 when `since` cannot be continued from: below the retention floor, or beyond the end of
/// the log (the server's data was replaced).
pub fn check_cursor(tx: &mut dyn ReadTx, since: Seq) -> AppResult<()> {
    let floor = tx.log_floor()?;
    if since < floor {
        return Err(AppError::new(
            ErrorCode::CursorExpired,
            format!(
                "Events after {since} are no longer kept (the log starts after {floor}); start again from /snapshot."
            ),
        ));
    }
    let last = tx.last_seq()?;
    if since > last {
        return Err(AppError::new(
            ErrorCode::CursorExpired,
            format!(
                "{since} is ahead of this server's log (last {last}); start again from /snapshot."
            ),
        ));
    }
    if since < 0 {
        return Err(AppError::invalid("since must be 0 or more."));
    }
    Ok(())
}

/// Events after `since` that the caller may see (a contact that left their sight reads as
/// `contact.removed`). `next_seq` moves past withheld events too.
#[utoipa::path(get, path = "/sync", tag = "sync", security(("bearer" = [])), params(SyncQuery),
    responses((status = 200, body = SyncPage), (status = 410, body = ApiErrorBody)))]
pub async fn sync(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<SyncQuery>,
) -> AppResult<Response> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(AppError::invalid(format!(
            "limit must be from 1 to {MAX_LIMIT}."
        )));
    }
    let since = q.since;
    // Filtered inside the read: visibility is decided with the assignments of this snapshot.
    let (mut body, next_seq, has_more, head) = read_as(&state, me, move |tx, ctx| {
        check_cursor(tx, since)?;
        let events = tx.events_after(since, limit)?;
        let view = LogView::now(tx, ctx.scope(), &events)?;
        // Built as text, in one buffer: the events' JSON is stored ready to send.
        let size = events.iter().map(|e| e.data.len() + 96).sum::<usize>() + 96;
        let mut body = String::with_capacity(size);
        body.push_str(r#"{"events":["#);
        let mut first = true;
        for event in &events {
            let mark = body.len();
            if !first {
                body.push(',');
            }
            if view.write_frame(event, &mut body) {
                first = false;
            } else {
                body.truncate(mark);
            }
        }
        let next_seq = events.last().map(|e| e.seq).unwrap_or(since);
        Ok((body, next_seq, events.len() == limit, tx.last_seq()?))
    })
    .await?;
    body.push_str(&format!(
        r#"],"next_seq":{next_seq},"has_more":{has_more},"head_seq":{head}}}"#
    ));
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Everything a client needs to start: the seq to continue from, the caller, settings, users,
/// channels, categories, snippets, custom fields, and the contacts (with their conversations) it may see.
#[utoipa::path(get, path = "/snapshot", tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = Snapshot)))]
pub async fn snapshot(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<ApiJson<Snapshot>> {
    let snap = read_as(&state, me, |tx, ctx| {
        let scope = ctx.scope();
        Ok(Snapshot {
            seq: tx.last_seq()?,
            me: ctx.me.to_api(),
            settings: ctx.settings.clone(),
            users: tx.users()?.iter().map(|u| u.to_api()).collect(),
            channels: tx.channels()?.iter().map(public_channel).collect(),
            categories: tx.categories()?,
            snippets: tx.snippets()?,
            custom_fields: tx.custom_fields()?,
            contacts: tx.contacts_in_scope(&scope)?,
            conversations: tx.conversations_in_scope(&scope)?,
        })
    })
    .await?;
    Ok(ApiJson(snap))
}
