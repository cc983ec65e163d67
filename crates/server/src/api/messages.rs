//! `GET, POST /contacts/{id}/messages`, `GET, POST /contacts/{id}/comments`.

use axum::extract::State;
use axum::http::StatusCode;
use messenger_protocol::{
    ApiErrorBody, Comment, ContactId, Message, MessageId, MessagePage, NewComment,
    SendMessageRequest,
};
use serde::Deserialize;

use super::json::ApiJson;
use super::{ApiPath, ApiQuery, check_id, read_as, write_as};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::{comments, contacts, outgoing};
use crate::error::{AppError, AppResult};

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 200;
/// Voice notes are recorded up to 5 minutes (DESIGN.md); a little slack for the encoder.
const MAX_VOICE_MS: u64 = 5 * 60 * 1000 + 1000;
/// The agent draws 64 buckets; anything far beyond that is not a waveform.
const MAX_WAVEFORM_BUCKETS: usize = 512;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// A message id: return older messages only.
    before: Option<String>,
    limit: Option<usize>,
}

/// The contact's timeline across all its conversations, newest first.
#[utoipa::path(get, path = "/contacts/{id}/messages", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = MessagePage), (status = 404, body = ApiErrorBody)))]
pub async fn list_messages(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ContactId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<ApiJson<MessagePage>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(AppError::invalid(format!(
            "limit must be from 1 to {MAX_LIMIT}."
        )));
    }
    let before = q.before.map(MessageId);
    if let Some(b) = &before {
        check_id(b)?;
    }
    let items = read_as(&state, me, move |tx, ctx| {
        let contact = contacts::visible(tx, ctx, &id)?;
        Ok(tx.messages_page(&contact.id, before.as_ref(), limit)?)
    })
    .await?;
    let next_cursor = (items.len() == limit)
        .then(|| items.last().map(|m| m.id.to_string()))
        .flatten();
    Ok(ApiJson(MessagePage { items, next_cursor }))
}

/// Send a message. The same `client_id` again answers 200 with the stored message.
#[utoipa::path(post, path = "/contacts/{id}/messages", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = SendMessageRequest,
    responses((status = 201, body = Message), (status = 200, body = Message), (status = 400, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn send_message(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ContactId>,
    ApiJson(req): ApiJson<SendMessageRequest>,
) -> AppResult<(StatusCode, ApiJson<Message>)> {
    if let Some(voice) = &req.voice {
        if voice.duration_ms > MAX_VOICE_MS {
            return Err(AppError::invalid(
                "voice.duration_ms is longer than a voice note may be (5 minutes).",
            ));
        }
        if voice.waveform.len() > MAX_WAVEFORM_BUCKETS {
            return Err(AppError::invalid(format!(
                "voice.waveform has more than {MAX_WAVEFORM_BUCKETS} values."
            )));
        }
    }
    let sent = write_as(&state, me, move |tx, ctx| {
        outgoing::send(tx, ctx, &id, req.clone())
    })
    .await?;
    let status = if sent.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, ApiJson(sent.message)))
}

#[utoipa::path(get, path = "/contacts/{id}/comments", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Vec<Comment>), (status = 404, body = ApiErrorBody)))]
pub async fn list_comments(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ContactId>,
) -> AppResult<ApiJson<Vec<Comment>>> {
    let list = read_as(&state, me, move |tx, ctx| {
        let contact = contacts::visible(tx, ctx, &id)?;
        Ok(tx.comments_of(&contact.id)?)
    })
    .await?;
    Ok(ApiJson(list))
}

/// Add an internal comment (never sent to the contact).
#[utoipa::path(post, path = "/contacts/{id}/comments", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = NewComment,
    responses((status = 201, body = Comment), (status = 200, body = Comment), (status = 404, body = ApiErrorBody)))]
pub async fn add_comment(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ContactId>,
    ApiJson(req): ApiJson<NewComment>,
) -> AppResult<(StatusCode, ApiJson<Comment>)> {
    let (comment, created) = write_as(&state, me, move |tx, ctx| {
        comments::add(tx, ctx, &id, req.clone())
    })
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, ApiJson(comment)))
}
