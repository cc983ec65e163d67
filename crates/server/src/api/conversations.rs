//! `GET, POST /contacts/{id}/conversations`, `POST /conversations/{id}/close`.

use axum::extract::State;
use axum::http::StatusCode;
use messenger_protocol::{
    ApiErrorBody, CloseConversationRequest, ContactId, Conversation, ConversationId,
    ConversationStatus, ErrorCode,
};

use super::json::ApiJson;
use super::{ApiPath, read_as, write_as};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::domain::{contacts, conversations};
use crate::error::{AppError, AppResult};

#[utoipa::path(get, path = "/contacts/{id}/conversations", tag = "conversations", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Vec<Conversation>), (status = 404, body = ApiErrorBody)))]
pub async fn list_conversations(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ContactId>,
) -> AppResult<ApiJson<Vec<Conversation>>> {
    let list = read_as(&state, me, move |tx, ctx| {
        let contact = contacts::visible(tx, ctx, &id)?;
        Ok(tx.conversations_of(&contact.id)?)
    })
    .await?;
    Ok(ApiJson(list))
}

/// Open a conversation (409 `conversation_already_open` when one is open).
#[utoipa::path(post, path = "/contacts/{id}/conversations", tag = "conversations", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 201, body = Conversation), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn open_conversation(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ContactId>,
) -> AppResult<(StatusCode, ApiJson<Conversation>)> {
    let conversation = write_as(&state, me, move |tx, ctx| {
        let mut contact = contacts::visible(tx, ctx, &id)?;
        conversations::open_by(tx, &mut contact, ctx.actor(), ctx.now)
    })
    .await?;
    Ok((StatusCode::CREATED, ApiJson(conversation)))
}

/// Close with a closing note as the workspace's mode asks (422 `closing_note_required`).
#[utoipa::path(post, path = "/conversations/{id}/close", tag = "conversations", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CloseConversationRequest,
    responses((status = 200, body = Conversation), (status = 404, body = ApiErrorBody),
              (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn close_conversation(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ConversationId>,
    ApiJson(req): ApiJson<CloseConversationRequest>,
) -> AppResult<ApiJson<Conversation>> {
    let conversation = write_as(&state, me, move |tx, ctx| {
        let conversation = tx
            .conversation(&id)?
            .ok_or_else(|| AppError::not_found(&format!("Conversation {id}")))?;
        // Visibility follows the contact.
        contacts::visible(tx, ctx, &conversation.contact_id)
            .map_err(|_| AppError::not_found(&format!("Conversation {id}")))?;
        if conversation.status != ConversationStatus::Open {
            return Err(AppError::new(
                ErrorCode::ConversationNotOpen,
                "This conversation is already closed.",
            ));
        }
        let note = conversations::closing_note_for_mode(tx, &ctx.settings, req.clone())?;
        conversations::close(tx, &id, ctx.actor(), note, &ctx.settings, ctx.now)
    })
    .await?;
    Ok(ApiJson(conversation))
}
