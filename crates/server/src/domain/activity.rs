//! Activity entries of the timeline: "Conversation opened by Susan", "Assigned to Alice by
//! Workflow". Each is a message (`direction: activity`) with a sentence and its structure.

use messenger_protocol::{
    Activity, ActivityKind, Actor, ActorKind, Contact, ConversationId, Delivery, Direction,
    Message, Timestamp, UserId,
};

use super::persist;
use crate::error::AppResult;
use crate::store::{NewMessage, ReadTx, WriteTx};

/// A display name for whoever acted.
pub fn actor_name(tx: &mut dyn ReadTx, actor: &Actor, contact: &Contact) -> AppResult<String> {
    Ok(match actor.kind {
        ActorKind::User => match actor.id.as_deref() {
            Some(id) => tx
                .user(&UserId(id.to_owned()))?
                .map(|u| u.name)
                .unwrap_or_else(|| "a removed user".into()),
            None => "a user".into(),
        },
        ActorKind::Automation => match &actor.name {
            Some(name) => format!("Workflow {name}"),
            None => "Workflow".into(),
        },
        ActorKind::Contact => contact.name.clone(),
        ActorKind::Welcome => "the channel's welcome event".into(),
        ActorKind::Bot => "the bot".into(),
        ActorKind::Merge => "a contact merge".into(),
        ActorKind::System => "the system".into(),
        ActorKind::Channel => match &actor.name {
            Some(name) => format!("{name} (from the provider's app)"),
            None => "the channel".into(),
        },
        ActorKind::Api => match &actor.name {
            Some(name) => format!("the API token {name}"),
            None => "the API".into(),
        },
    })
}

fn sentence(
    tx: &mut dyn ReadTx,
    activity: &Activity,
    contact: &Contact,
    extra: Option<&str>,
) -> AppResult<String> {
    let who = actor_name(tx, &activity.actor, contact)?;
    Ok(match activity.kind {
        ActivityKind::ConversationOpened => format!("Conversation opened by {who}"),
        ActivityKind::ConversationClosed => format!("Conversation closed by {who}"),
        ActivityKind::Assigned => {
            let assignee = match &activity.assignee_id {
                Some(id) => tx
                    .user(id)?
                    .map(|u| u.name)
                    .unwrap_or_else(|| "a removed user".into()),
                None => "nobody".into(),
            };
            format!("Assigned to {assignee} by {who}")
        }
        ActivityKind::Unassigned => format!("Unassigned by {who}"),
        ActivityKind::AssignmentSkipped => {
            format!("{who} could not assign: {}", extra.unwrap_or("nobody fits"))
        }
        ActivityKind::ContactMerged => {
            format!(
                "{} was merged into this contact by {who}",
                extra.unwrap_or("Another contact")
            )
        }
    })
}

/// Records an activity entry on the contact's timeline (with its event).
pub fn record(
    tx: &mut dyn WriteTx,
    contact: &Contact,
    conversation_id: Option<ConversationId>,
    activity: Activity,
    at: Timestamp,
) -> AppResult<Message> {
    record_with(tx, contact, conversation_id, activity, None, at)
}

/// Like [`record`], with a name the sentence needs (the merged contact's).
pub fn record_with(
    tx: &mut dyn WriteTx,
    contact: &Contact,
    conversation_id: Option<ConversationId>,
    activity: Activity,
    extra: Option<&str>,
    at: Timestamp,
) -> AppResult<Message> {
    let text = sentence(tx, &activity, contact, extra)?;
    let sender = match activity.actor.kind {
        ActorKind::User | ActorKind::Automation | ActorKind::Bot => activity.actor.clone(),
        _ => Actor::of(ActorKind::System),
    };
    let message = NewMessage {
        contact_id: contact.id.clone(),
        conversation_id,
        channel_id: None,
        direction: Direction::Activity,
        sender,
        client_id: None,
        external_id: None,
        text,
        attachments: Vec::new(),
        delivery: Delivery::Sent,
        activity: Some(activity),
        created_at: at,
        sent_at: None,
    };
    persist::add_message(tx, &message, contact.assignee_id.as_ref())
}

pub fn of(kind: ActivityKind, actor: &Actor) -> Activity {
    Activity {
        kind,
        actor: actor.clone(),
        assignee_id: None,
        closing_note: None,
    }
}
