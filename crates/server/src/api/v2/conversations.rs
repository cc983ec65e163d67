//! A contact's conversation: assign and unassign, open and close (with a closing note), and
//! internal comments.

use axum::extract::State;
use messenger_protocol::developer_api as v2;
use messenger_protocol::{CloseConversationRequest, NewComment, UserId};

use super::convert::{num, seconds};
use super::error::{V2Json, V2Path, V2Result};
use super::identifier::ContactRef;
use super::write;
use crate::app::AppState;
use crate::auth::api_token::ApiCaller;
use crate::domain::{assignment, comments, conversations};
use crate::error::{AppError, AppResult};
use crate::store::WriteTx;

/// respond.io's comments have at most 1000 characters.
const MAX_COMMENT_CHARS: usize = 1000;

/// The user an `assignee` names: an id (number or decimal string), an email, or null.
fn assignee_of(tx: &mut dyn WriteTx, value: &serde_json::Value) -> AppResult<Option<UserId>> {
    let unknown = |what: String| AppError::invalid(format!("No user of the workspace is {what}."));
    let by_id = |tx: &mut dyn WriteTx, id: String| -> AppResult<Option<UserId>> {
        Ok(Some(
            tx.user(&UserId(id.clone()))?
                .ok_or_else(|| unknown(format!("user {id}")))?
                .id,
        ))
    };
    match value {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) => by_id(tx, n.to_string()),
        serde_json::Value::String(s) if s.trim().contains('@') => Ok(Some(
            tx.user_by_email(s.trim())?
                .ok_or_else(|| unknown(s.trim().to_owned()))?
                .id,
        )),
        serde_json::Value::String(s) if !s.trim().is_empty() => by_id(tx, s.trim().to_owned()),
        _ => Err(AppError::invalid(
            "assignee must be a user id, a user's email, or null to unassign.",
        )),
    }
}

/// Assign the contact (`{"assignee": 7}` or an email) or unassign it (`null`).
#[utoipa::path(post, path = "/contact/{identifier}/conversation/assignee", tag = "conversations", security(("bearer" = [])),
    params(("identifier" = String, Path)), request_body = v2::AssigneeRequest,
    responses((status = 200, body = v2::ContactAction), (status = 400, body = v2::V2Error), (status = 404, body = v2::V2Error)))]
pub async fn assign(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Path(identifier): V2Path<String>,
    V2Json(req): V2Json<v2::AssigneeRequest>,
) -> V2Result<V2Json<v2::ContactAction>> {
    let who = ContactRef::parse(&identifier)?;
    let id = write(&state, &caller, move |tx, ctx| {
        let mut contact = who.resolve(tx, ctx)?;
        let assignee = assignee_of(tx, &req.assignee)?;
        assignment::set_assignee(tx, &mut contact, assignee.as_ref(), &ctx.actor(), ctx.now)?;
        Ok(contact.id)
    })
    .await?;
    Ok(V2Json(v2::ContactAction {
        contact_id: num(id.as_str()),
    }))
}

/// Open or close the contact's conversation; closing takes the closing note the workspace
/// asks for (category by name, summary). Asking for the state it is in changes nothing.
#[utoipa::path(post, path = "/contact/{identifier}/conversation/status", tag = "conversations", security(("bearer" = [])),
    params(("identifier" = String, Path)), request_body = v2::StatusRequest,
    responses((status = 200, body = v2::ContactAction), (status = 400, body = v2::V2Error), (status = 404, body = v2::V2Error), (status = 422, body = v2::V2Error)))]
pub async fn set_status(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Path(identifier): V2Path<String>,
    V2Json(req): V2Json<v2::StatusRequest>,
) -> V2Result<V2Json<v2::ContactAction>> {
    let who = ContactRef::parse(&identifier)?;
    let open = match req.status.trim() {
        "open" => true,
        "close" | "closed" => false,
        other => {
            return Err(
                AppError::invalid(format!("status must be open or close, not {other:?}.")).into(),
            );
        }
    };
    let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let note = CloseConversationRequest {
        category: nonempty(&req.category),
        summary: nonempty(&req.summary),
    };
    let id = write(&state, &caller, move |tx, ctx| {
        let mut contact = who.resolve(tx, ctx)?;
        match (&contact.open_conversation_id, open) {
            (None, true) => {
                conversations::open_by(tx, &mut contact, ctx.actor(), ctx.now)?;
            }
            (Some(conversation), false) => {
                let conversation = conversation.clone();
                let note = conversations::closing_note_for_mode(tx, &ctx.settings, note.clone())?;
                conversations::close(tx, &conversation, ctx.actor(), note, &ctx.settings, ctx.now)?;
            }
            _ => {}
        }
        Ok(contact.id)
    })
    .await?;
    Ok(V2Json(v2::ContactAction {
        contact_id: num(id.as_str()),
    }))
}

/// The users a comment mentions as respond.io writes them: `{{@user.456}}`.
fn mentions_of(text: &str) -> Vec<UserId> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{@user.") {
        let after = &rest[start + 8..];
        let Some(end) = after.find("}}") else { break };
        let id = after[..end].trim();
        if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
            out.push(UserId(id.to_owned()));
        }
        rest = &after[end + 2..];
    }
    out
}

/// Add an internal comment (mentions written `{{@user.456}}`).
#[utoipa::path(post, path = "/contact/{identifier}/comment", tag = "conversations", security(("bearer" = [])),
    params(("identifier" = String, Path)), request_body = v2::CommentRequest,
    responses((status = 200, body = v2::CommentAdded), (status = 400, body = v2::V2Error), (status = 404, body = v2::V2Error)))]
pub async fn add_comment(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Path(identifier): V2Path<String>,
    V2Json(req): V2Json<v2::CommentRequest>,
) -> V2Result<V2Json<v2::CommentAdded>> {
    let who = ContactRef::parse(&identifier)?;
    if req.text.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::invalid(format!(
            "A comment has at most {MAX_COMMENT_CHARS} characters."
        ))
        .into());
    }
    let comment = write(&state, &caller, move |tx, ctx| {
        let contact = who.resolve(tx, ctx)?;
        let mentions = mentions_of(&req.text);
        // Our timeline shows a mention as @Name.
        let mut text = req.text.clone();
        for id in &mentions {
            if let Some(user) = tx.user(id)? {
                text = text.replace(&format!("{{{{@user.{id}}}}}"), &format!("@{}", user.name));
            }
        }
        let new = NewComment {
            text,
            client_id: None,
            mentions,
        };
        Ok(comments::add(tx, ctx, &contact.id, new)?.0)
    })
    .await?;
    Ok(V2Json(v2::CommentAdded {
        contact_id: num(comment.contact_id.as_str()),
        text: comment.text,
        created_at: seconds(comment.created_at),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_read_as_respond_io_writes_them() {
        assert_eq!(
            mentions_of("Ask {{@user.456}} and {{@user.7}}, not {{@user.x}} {{@user.9"),
            vec![UserId("456".into()), UserId("7".into())]
        );
    }
}
