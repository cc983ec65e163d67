//! The outbox: every write (message, comment, assignment, open, close, status) is stored
//! first with a client id (UUID v7) and shown at once as pending; a flusher sends the items in
//! order per contact, retries network errors and 5xx with backoff, marks 4xx refusals failed
//! with the server's message, and removes an item once the server confirmed it. The server
//! stores each client id once, so a retry after a lost answer is harmless.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use messenger_protocol::{
    Actor, AssigneeUpdate, Attachment, AttachmentKind, AttachmentStatus, ClientId, Comment,
    CommentId, ContactId, Conversation, ConversationStatus, Delivery, Direction, ErrorCode,
    Message, MessageId, NewComment, SendMessageRequest, StatusUpdate, Timestamp, User, VoiceNote,
};
use rand::Rng;

use crate::account::Account;
use crate::cache::OutboxItem;
use crate::cache::outbox_store::{Echo, OutboxKind, OutboxState, StagedFile};
use crate::error::{AgentError, AgentResult};
use crate::view::{AgentEvent, OutboxEntry, Refusal};

pub fn new_client_id() -> ClientId {
    ClientId(uuid::Uuid::now_v7().to_string())
}

/// What was asked of the outbox.
pub enum Write {
    Message {
        contact: ContactId,
        text: Option<String>,
        files: Vec<StagedFile>,
        voice: Option<(StagedFile, u64, Vec<u8>)>,
    },
    Comment {
        contact: ContactId,
        text: String,
        mentions: Vec<messenger_protocol::UserId>,
    },
    Assign {
        contact: ContactId,
        user: Option<messenger_protocol::UserId>,
    },
    Open {
        contact: ContactId,
    },
    Close {
        contact: ContactId,
        conversation: messenger_protocol::ConversationId,
        category: Option<String>,
        summary: Option<String>,
    },
    Status {
        status: messenger_protocol::UserStatus,
    },
}

fn local_attachment(f: &StagedFile, kind: AttachmentKind) -> Attachment {
    Attachment {
        file_id: None,
        name: f.name.clone(),
        mime: f.mime.clone(),
        size: f.size,
        kind,
        status: AttachmentStatus::Pending,
        error: None,
        duration_ms: None,
        waveform: None,
    }
}

/// Stores a write with its local echo and wakes the flusher.
pub fn enqueue(account: &Arc<Account>, write: Write) -> AgentResult<OutboxItem> {
    let client_id = new_client_id();
    let now = Timestamp::now();
    let me = Actor::user(account.session.user.id.as_str());
    let cache = &account.cache;
    let (contact, kind, echo) = match write {
        Write::Message {
            contact,
            text,
            files,
            voice,
        } => {
            let text = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
            if text.is_none() && files.is_empty() && voice.is_none() {
                return Err(AgentError::Invalid(
                    "Write a message, or attach a file or a voice note.".into(),
                ));
            }
            let c = cache.contact(&contact)?.ok_or_else(|| {
                AgentError::Invalid("This contact is not in the app any more.".into())
            })?;
            let mut attachments: Vec<Attachment> = files
                .iter()
                .map(|f| local_attachment(f, AttachmentKind::from_mime(&f.mime)))
                .collect();
            if let Some((f, duration, waveform)) = &voice {
                let mut a = local_attachment(f, AttachmentKind::Voice);
                a.duration_ms = Some(*duration);
                a.waveform = Some(waveform.clone());
                attachments.push(a);
            }
            let echo = Message {
                id: MessageId(format!("local:{client_id}")),
                client_id: Some(client_id.clone()),
                contact_id: contact.clone(),
                conversation_id: c.open_conversation_id.clone(),
                channel_id: None,
                direction: Direction::Outgoing,
                sender: me,
                text: text.clone().unwrap_or_default(),
                attachments,
                delivery: Delivery::Pending,
                error: None,
                activity: None,
                created_at: now,
                sent_at: None,
            };
            (
                Some(contact),
                OutboxKind::SendMessage { text, files, voice },
                Some(Echo::Message(echo)),
            )
        }
        Write::Comment {
            contact,
            text,
            mentions,
        } => {
            let text = text.trim().to_owned();
            if text.is_empty() {
                return Err(AgentError::Invalid("Write the comment first.".into()));
            }
            let echo = Comment {
                id: CommentId(format!("local:{client_id}")),
                client_id: Some(client_id.clone()),
                contact_id: contact.clone(),
                author_id: Some(account.session.user.id.clone()),
                author: me,
                text: text.clone(),
                mentions: mentions.clone(),
                created_at: now,
            };
            (
                Some(contact),
                OutboxKind::Comment { text, mentions },
                Some(Echo::Comment(echo)),
            )
        }
        // Shown at once as a pending change beside the server's state (PendingChanges),
        // never written into the cached contact.
        Write::Assign { contact, user } => {
            (Some(contact), OutboxKind::Assign { user_id: user }, None)
        }
        Write::Open { contact } => (Some(contact), OutboxKind::OpenConversation, None),
        Write::Close {
            contact,
            conversation,
            category,
            summary,
        } => (
            Some(contact),
            OutboxKind::CloseConversation {
                conversation_id: conversation,
                category,
                summary,
            },
            None,
        ),
        Write::Status { status } => (None, OutboxKind::SetStatus { status }, None),
    };
    let item = cache.enqueue(&client_id, contact.as_ref(), &kind, echo, now)?;
    if let Some(c) = &contact {
        account.emit(AgentEvent::TimelineChanged {
            contact_id: c.clone(),
        });
        account.emit(AgentEvent::ContactsChanged {
            ids: vec![c.clone()],
        });
    }
    account.emit_outbox();
    account.outbox_nudge.notify_one();
    Ok(item)
}

/// What one pass of the flusher did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Flushed {
    pub delivered: usize,
    pub failed: usize,
    pub waiting: usize,
}

fn backoff_ms(attempts: u32) -> i64 {
    let base = 1000i64.saturating_mul(1 << attempts.min(6)).min(60_000);
    (base as f64 * rand::rng().random_range(0.8..1.2)) as i64
}

/// Sends every due item once, in order: an item waits while an older item of the same
/// contact is still queued (due later, or retrying), so a contact receives them in order.
pub async fn flush(account: &Arc<Account>) -> AgentResult<Flushed> {
    let mut report = Flushed::default();
    let mut blocked: HashSet<ContactId> = HashSet::new();
    let now = Timestamp::now().millis();
    for item in account.cache.outbox_queued()? {
        if item
            .contact_id
            .as_ref()
            .is_some_and(|c| blocked.contains(c))
        {
            report.waiting += 1;
            continue;
        }
        if item.next_attempt_at > now {
            if let Some(c) = &item.contact_id {
                blocked.insert(c.clone());
            }
            report.waiting += 1;
            continue;
        }
        match deliver(account, &item).await {
            Ok(()) => {
                account.cache.outbox_settle(item.client_id.as_str())?;
                report.delivered += 1;
            }
            Err(e) if e.is_auth_failure() => return Err(e),
            Err(e) if e.is_transient() => {
                let attempts = item.attempts + 1;
                account.cache.outbox_retry_later(
                    item.id,
                    attempts,
                    Timestamp::now().millis() + backoff_ms(attempts),
                    &e.to_string(),
                )?;
                if let Some(c) = &item.contact_id {
                    blocked.insert(c.clone());
                }
                report.waiting += 1;
            }
            Err(e) => {
                tracing::warn!(item = item.id, error = %e, "the server refused an outbox item");
                account
                    .cache
                    .outbox_fail(item.id, &e.to_string(), Refusal::of(&e).as_ref())?;
                report.failed += 1;
            }
        }
        if let Some(c) = &item.contact_id {
            account.emit(AgentEvent::TimelineChanged {
                contact_id: c.clone(),
            });
            account.emit(AgentEvent::ContactsChanged {
                ids: vec![c.clone()],
            });
        }
        account.emit_outbox();
    }
    Ok(report)
}

async fn upload(
    account: &Arc<Account>,
    item: &OutboxItem,
    file: &StagedFile,
) -> AgentResult<messenger_protocol::FileId> {
    if let Some(id) = &file.file_id {
        return Ok(id.clone());
    }
    let (events, client_id) = (account.events.clone(), item.client_id.to_string());
    let info = account
        .client
        .upload_file(
            std::path::Path::new(&file.path),
            &file.name,
            move |sent, total| {
                let _ = events.send(AgentEvent::UploadProgress {
                    client_id: client_id.clone(),
                    sent,
                    total,
                });
            },
        )
        .await?;
    Ok(info.id)
}

async fn deliver(account: &Arc<Account>, item: &OutboxItem) -> AgentResult<()> {
    let client = &account.client;
    match &item.kind {
        OutboxKind::SendMessage { text, files, voice } => {
            let contact = item
                .contact_id
                .clone()
                .ok_or_else(|| AgentError::Invalid("no contact".into()))?;
            // Upload first, recording each file's id so a retry does not upload it again.
            let mut files = files.clone();
            let mut voice = voice.clone();
            for i in 0..files.len() {
                let id = upload(account, item, &files[i]).await?;
                files[i].file_id = Some(id);
                account.cache.outbox_update(
                    item.id,
                    &OutboxKind::SendMessage {
                        text: text.clone(),
                        files: files.clone(),
                        voice: voice.clone(),
                    },
                )?;
            }
            if let Some((f, _, _)) = voice.as_mut() {
                let id = upload(account, item, f).await?;
                f.file_id = Some(id);
                account.cache.outbox_update(
                    item.id,
                    &OutboxKind::SendMessage {
                        text: text.clone(),
                        files: files.clone(),
                        voice: voice.clone(),
                    },
                )?;
            }
            let request = SendMessageRequest {
                client_id: item.client_id.clone(),
                text: text.clone(),
                file_ids: files.iter().filter_map(|f| f.file_id.clone()).collect(),
                voice: voice.map(|(f, duration_ms, waveform)| VoiceNote {
                    file_id: f
                        .file_id
                        .unwrap_or_else(|| messenger_protocol::FileId(String::new())),
                    duration_ms,
                    waveform,
                }),
                channel_id: None,
            };
            let message: Message = client
                .post(&format!("/contacts/{contact}/messages"), &request)
                .await?;
            account.cache.store_message(&message)?;
            remove_staged(&request, item);
        }
        OutboxKind::Comment { text, mentions } => {
            let contact = item
                .contact_id
                .clone()
                .ok_or_else(|| AgentError::Invalid("no contact".into()))?;
            let comment: Comment = client
                .post(
                    &format!("/contacts/{contact}/comments"),
                    &NewComment {
                        text: text.clone(),
                        client_id: Some(item.client_id.clone()),
                        mentions: mentions.clone(),
                    },
                )
                .await?;
            account.cache.store_comment(&comment)?;
        }
        OutboxKind::Assign { user_id } => {
            let contact = item
                .contact_id
                .clone()
                .ok_or_else(|| AgentError::Invalid("no contact".into()))?;
            let c: messenger_protocol::Contact = client
                .put(
                    &format!("/contacts/{contact}/assignee"),
                    &AssigneeUpdate {
                        user_id: user_id.clone(),
                    },
                )
                .await?;
            account.cache.put_contact(&c)?;
        }
        OutboxKind::OpenConversation => {
            let contact = item
                .contact_id
                .clone()
                .ok_or_else(|| AgentError::Invalid("no contact".into()))?;
            match client
                .post::<_, Conversation>(
                    &format!("/contacts/{contact}/conversations"),
                    &serde_json::json!({}),
                )
                .await
            {
                Ok(_) => {}
                // Already open: what was asked for is the case.
                Err(AgentError::Server { code, .. })
                    if code == ErrorCode::ConversationAlreadyOpen.as_str() => {}
                Err(e) => return Err(e),
            }
        }
        OutboxKind::CloseConversation {
            conversation_id,
            category,
            summary,
        } => {
            let body = messenger_protocol::CloseConversationRequest {
                category: category.clone(),
                summary: summary.clone(),
            };
            match client
                .post::<_, Conversation>(&format!("/conversations/{conversation_id}/close"), &body)
                .await
            {
                Ok(c) => debug_assert_eq!(c.status, ConversationStatus::Closed),
                Err(AgentError::Server { code, .. })
                    if code == ErrorCode::ConversationNotOpen.as_str() => {}
                Err(e) => return Err(e),
            }
        }
        OutboxKind::SetStatus { status } => {
            let user: User = client
                .put("/me/status", &StatusUpdate { status: *status })
                .await?;
            if let Ok(json) = serde_json::to_string(&user) {
                let _ = account.cache.set_meta("me", &json);
            }
            account.emit(AgentEvent::WorkspaceChanged);
        }
    }
    Ok(())
}

/// Staged copies are deleted once the server has the files.
fn remove_staged(_request: &SendMessageRequest, item: &OutboxItem) {
    if let OutboxKind::SendMessage { files, voice, .. } = &item.kind {
        for f in files.iter().chain(voice.iter().map(|(f, _, _)| f)) {
            let _ = std::fs::remove_file(&f.path);
        }
    }
}

/// Runs the flusher until the account stops: when woken (new item, back online) or when the
/// next retry is due.
pub async fn run(account: Arc<Account>) {
    while !account.stopping() {
        match flush(&account).await {
            Ok(_) => {}
            Err(e) if e.is_auth_failure() => return,
            Err(e) => tracing::warn!(error = %e, "outbox flush failed"),
        }
        let next = account.cache.outbox_next_due().ok().flatten();
        let wait = next
            .map(|at| (at - Timestamp::now().millis()).clamp(50, 60_000))
            .unwrap_or(60_000);
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(60_000))) => {}
            () = account.outbox_nudge.notified() => {}
        }
    }
}

/// The outbox as the UI lists it.
pub fn entries(account: &Account) -> AgentResult<Vec<OutboxEntry>> {
    Ok(account
        .cache
        .outbox()?
        .into_iter()
        .map(|i| OutboxEntry {
            id: i.id,
            client_id: i.client_id.to_string(),
            kind: i.kind.name().to_owned(),
            summary: summary(&i.kind),
            contact_id: i.contact_id,
            failed: i.state == OutboxState::Failed,
            error: i.error,
            refusal: i.refusal,
            attempts: i.attempts,
            created_at: i.created_at,
        })
        .collect())
}

fn summary(kind: &OutboxKind) -> String {
    match kind {
        OutboxKind::SendMessage { text, files, voice } => {
            let mut parts = Vec::new();
            if let Some(t) = text {
                parts.push(t.chars().take(60).collect::<String>());
            }
            if !files.is_empty() {
                parts.push(format!("{} file(s)", files.len()));
            }
            if voice.is_some() {
                parts.push("voice note".into());
            }
            format!("Reply: {}", parts.join(", "))
        }
        OutboxKind::Comment { text, .. } => {
            format!("Comment: {}", text.chars().take(60).collect::<String>())
        }
        OutboxKind::Assign { user_id: Some(u) } => format!("Assign to user {u}"),
        OutboxKind::Assign { user_id: None } => "Unassign".into(),
        OutboxKind::OpenConversation => "Open the conversation".into(),
        OutboxKind::CloseConversation { .. } => "Close the conversation".into(),
        OutboxKind::SetStatus { status } => format!("Set status to {}", status.as_str()),
    }
}
