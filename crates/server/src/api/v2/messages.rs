//! A contact's messages: send (text, an attachment by URL, quick replies as text), get one,
//! list them.

use axum::extract::{OriginalUri, State};
use messenger_protocol::developer_api as v2;
use messenger_protocol::{ChannelId, ClientId, FileId, MessageId, SendMessageRequest};
use serde::Deserialize;

use super::convert::{self, num};
use super::error::{V2Json, V2Path, V2Query, V2Result};
use super::identifier::ContactRef;
use super::pagination::{self, PageQuery};
use super::{read, write};
use crate::app::AppState;
use crate::auth::api_token::ApiCaller;
use crate::channel::fetch::{self, Failure as FetchFailure};
use crate::channel::url_guard;
use crate::domain::{inbound, outgoing};
use crate::error::{AppError, AppResult};
use crate::files::sniff;
use crate::store::FileRecord;

#[derive(Debug, Deserialize)]
struct UrlAttachment {
    url: String,
    #[serde(default, rename = "fileName")]
    file_name: Option<String>,
}

/// What a v2 message becomes here.
enum Content {
    Text(String),
    Attachment(UrlAttachment),
}

fn content_of(message: &serde_json::Value) -> AppResult<Content> {
    let kind = message
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or_default();
    let field = |name: &str| message.get(name).and_then(|v| v.as_str()).map(str::trim);
    match kind {
        "text" => match field("text") {
            Some(t) if !t.is_empty() => Ok(Content::Text(t.to_owned())),
            _ => Err(AppError::invalid("message.text is missing or empty.")),
        },
        "attachment" => {
            let a: UrlAttachment = message
                .get("attachment")
                .cloned()
                .map(serde_json::from_value)
                .transpose()
                .ok()
                .flatten()
                .ok_or_else(|| AppError::invalid("message.attachment needs a url."))?;
            Ok(Content::Attachment(a))
        }
        // Channels here carry no buttons: the choices go out as numbered lines.
        "quick_reply" => {
            let title = field("title").unwrap_or_default();
            let replies: Vec<String> = message
                .get("replies")
                .and_then(|r| r.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if title.is_empty() || replies.is_empty() || replies.len() > 10 {
                return Err(AppError::invalid(
                    "A quick_reply needs a title and 1 to 10 replies.",
                ));
            }
            let lines: Vec<String> = replies
                .iter()
                .enumerate()
                .map(|(i, r)| format!("{}. {r}", i + 1))
                .collect();
            Ok(Content::Text(format!("{title}\n{}", lines.join("\n"))))
        }
        "" => Err(AppError::invalid("message.type is missing.")),
        other => Err(AppError::invalid(format!(
            "Messages of type {other} are not supported by this server; send text, attachment \
             or quick_reply."
        ))),
    }
}

/// Send a message to the contact; it goes out like a user's, as sent by the token (it does
/// not assign the contact).
#[utoipa::path(post, path = "/contact/{identifier}/message", tag = "messages", security(("bearer" = [])),
    params(("identifier" = String, Path)), request_body = v2::SendMessage,
    responses((status = 200, body = v2::MessageSent), (status = 400, body = v2::V2Error), (status = 404, body = v2::V2Error)))]
pub async fn send_message(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Path(identifier): V2Path<String>,
    V2Json(req): V2Json<v2::SendMessage>,
) -> V2Result<V2Json<v2::MessageSent>> {
    let who = ContactRef::parse(&identifier)?;
    let content = content_of(&req.message)?;
    let channel_id = req.channel_id.map(|c| ChannelId(c.to_string()));
    let asked = channel_id.clone();
    let (contact_id, allow_private) = read(&state, &caller, move |tx, ctx| {
        let contact = who.resolve(tx, ctx)?;
        let channel = outgoing::reply_channel(tx, &contact, asked.as_ref())?;
        Ok((contact.id, channel.is_some_and(|c| c.allow_private_network)))
    })
    .await?;
    let (text, file) = match content {
        Content::Text(t) => (Some(t), None),
        Content::Attachment(a) => (
            None,
            Some(fetch_file(&state, &caller, a, allow_private).await?),
        ),
    };
    let sent = write(&state, &caller, move |tx, ctx| {
        let file_ids = match &file {
            Some(f) => vec![tx.insert_file(f)?.id],
            None => Vec::new(),
        };
        let request = SendMessageRequest {
            client_id: ClientId(uuid::Uuid::now_v7().to_string()),
            text: text.clone(),
            file_ids,
            voice: None,
            channel_id: channel_id.clone(),
        };
        Ok(outgoing::send(tx, ctx, &contact_id, request)?.message)
    })
    .await?;
    Ok(V2Json(v2::MessageSent {
        message_id: num(sent.id.as_str()),
    }))
}

/// Fetches an attachment given by URL through the URL guard (the channel's private-network
/// setting applies), as a file of the token's creator ready to send.
async fn fetch_file(
    state: &AppState,
    caller: &ApiCaller,
    a: UrlAttachment,
    allow_private: bool,
) -> V2Result<FileRecord> {
    if !url_guard::is_web_url(&a.url) {
        return Err(AppError::invalid(
            "message.attachment.url must be an http:// or https:// URL.",
        )
        .into());
    }
    let blob = fetch::download(state, &a.url, allow_private, state.config.max_upload_bytes)
        .await
        .map_err(|f| {
            let why = match f {
                FetchFailure::Permanent(w) | FetchFailure::Transient(w) => w,
            };
            AppError::invalid(format!("The attachment could not be fetched: {why}"))
        })?;
    let name = sniff::clean_name(&inbound::name_from_url(&a.url, a.file_name.as_deref()));
    Ok(FileRecord {
        id: FileId(String::new()),
        sha256: blob.sha256,
        size: blob.size,
        mime: sniff::mime_of(&blob.head, &name),
        name,
        uploaded_by: Some(caller.user.id.clone()),
        created_at: state.clock.now(),
    })
}

/// The message (the contact's or ours; not the timeline's activity entries).
#[utoipa::path(get, path = "/contact/{identifier}/message/{messageId}", tag = "messages", security(("bearer" = [])),
    params(("identifier" = String, Path), ("messageId" = i64, Path)),
    responses((status = 200, body = v2::Message), (status = 404, body = v2::V2Error)))]
pub async fn get_message(
    State(state): State<AppState>,
    caller: ApiCaller,
    V2Path((identifier, message_id)): V2Path<(String, String)>,
) -> V2Result<V2Json<v2::Message>> {
    let who = ContactRef::parse(&identifier)?;
    let id = MessageId(message_id.clone());
    let message = read(&state, &caller, move |tx, ctx| {
        let contact = who.resolve(tx, ctx)?;
        Ok(tx.message(&id)?.filter(|m| m.contact_id == contact.id))
    })
    .await?;
    message
        .as_ref()
        .and_then(|m| convert::message(&state, m))
        .map(V2Json)
        .ok_or_else(|| AppError::not_found(&format!("Message {message_id}")).into())
}

/// The contact's messages, newest first.
#[utoipa::path(get, path = "/contact/{identifier}/message/list", tag = "messages", security(("bearer" = [])),
    params(("identifier" = String, Path), PageQuery),
    responses((status = 200, body = Object, description = "{items: [Message], pagination}"), (status = 404, body = v2::V2Error)))]
pub async fn list_messages(
    State(state): State<AppState>,
    caller: ApiCaller,
    OriginalUri(uri): OriginalUri,
    V2Path(identifier): V2Path<String>,
    V2Query(q): V2Query<PageQuery>,
) -> V2Result<V2Json<v2::Page<v2::Message>>> {
    let who = ContactRef::parse(&identifier)?;
    let (limit, cursor) = (q.limit()?, q.cursor()?);
    let page = read(&state, &caller, move |tx, ctx| {
        let contact = who.resolve(tx, ctx)?;
        let before = cursor.map(|c| MessageId(c.to_string()));
        Ok(tx.messages_page(&contact.id, before.as_ref(), limit)?)
    })
    .await?;
    // A full page of the timeline may go on; activity entries are left out of the items.
    let next = (page.len() == limit)
        .then(|| page.last().map(|m| num(m.id.as_str())))
        .flatten();
    let items = page
        .iter()
        .filter_map(|m| convert::message(&state, m))
        .collect();
    Ok(V2Json(pagination::page(
        &state,
        uri.path(),
        &q,
        items,
        next,
    )?))
}
