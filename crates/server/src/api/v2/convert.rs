//! Our entities in the Developer API's shapes: integer ids, Unix seconds, respond.io's names.

use messenger_protocol::custom_channel::ChannelAttachmentKind;
use messenger_protocol::developer_api as v2;
use messenger_protocol::{
    ActorKind, Attachment, Contact, CustomField, CustomFieldType, Direction, Message, Role,
    Timestamp,
};

use crate::app::AppState;
use crate::store::{ChannelRecord, UserRecord};

/// A store id as the integer the Developer API writes (store ids are decimal numbers).
pub fn num(id: &str) -> i64 {
    id.parse().unwrap_or_default()
}

pub fn seconds(t: Timestamp) -> i64 {
    t.millis().div_euclid(1000)
}

fn split_name(name: &str) -> (String, String) {
    match name.trim().split_once(' ') {
        Some((first, last)) => (first.to_owned(), last.trim().to_owned()),
        None => (name.trim().to_owned(), String::new()),
    }
}

pub fn user(u: &UserRecord) -> v2::User {
    let (first_name, last_name) = split_name(&u.name);
    v2::User {
        id: num(u.id.as_str()),
        first_name,
        last_name,
        email: u.email.clone(),
        role: match u.role {
            Role::Owner => "owner",
            Role::Manager => "manager",
            Role::Agent => "agent",
        }
        .into(),
        team: None,
        restrictions: Vec::new(),
    }
}

/// A custom field's value as a client sends it, as text (`null` clears).
pub fn field_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A value as the Developer API writes it: numbers and checkboxes typed, the rest text.
fn field_value(field: &CustomField, text: Option<&String>) -> serde_json::Value {
    let Some(text) = text else {
        return serde_json::Value::Null;
    };
    match field.data_type {
        CustomFieldType::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(serde_json::Value::Number)
            .unwrap_or_else(|| text.as_str().into()),
        CustomFieldType::Checkbox => serde_json::Value::Bool(text == "true"),
        _ => text.as_str().into(),
    }
}

/// A custom field as respond.io describes one (`allowedValues.listValues`, as the n8n node
/// reads it).
pub fn custom_field(f: &CustomField) -> v2::CustomFieldDefinition {
    v2::CustomFieldDefinition {
        id: num(f.id.as_str()),
        name: f.name.clone(),
        title: f.name.clone(),
        description: Some(f.description.clone()).filter(|d| !d.is_empty()),
        slug: f.slug.clone(),
        data_type: f.data_type.as_str().into(),
        allowed_values: v2::AllowedValues {
            list_values: f.allowed_values.clone(),
        },
        created_at: seconds(f.created_at),
    }
}

/// The contact; `fields` are the workspace's custom fields (each is listed, `null` when unset).
pub fn contact(
    state: &AppState,
    c: &Contact,
    assignee: Option<&UserRecord>,
    fields: &[CustomField],
) -> v2::Contact {
    v2::Contact {
        id: num(c.id.as_str()),
        first_name: c.first_name.clone(),
        last_name: c.last_name().map(str::to_owned),
        phone: c.phone.clone(),
        email: c.email.clone(),
        language: c.profile.language.clone(),
        profile_pic: c
            .profile
            .avatar_file_id
            .as_ref()
            .map(|f| state.signed_file_url(f)),
        country_code: c.profile.country_code.clone(),
        status: if c.open_conversation_id.is_some() {
            "open"
        } else {
            "close"
        }
        .into(),
        tags: c.tags.clone(),
        assignee: assignee.map(|u| {
            let u = user(u);
            v2::Assignee {
                id: u.id,
                first_name: u.first_name,
                last_name: u.last_name,
                email: u.email,
            }
        }),
        lifecycle: None,
        custom_fields: fields
            .iter()
            .map(|f| v2::CustomFieldValue {
                name: f.name.clone(),
                value: field_value(f, c.custom_fields.get(&f.slug)),
            })
            .collect(),
        created_at: seconds(c.created_at),
    }
}

pub fn channel(c: &ChannelRecord) -> v2::Channel {
    v2::Channel {
        id: num(c.id.as_str()),
        name: c.name.clone(),
        source: "custom_channel".into(),
        created_at: seconds(c.created_at),
    }
}

fn content(state: &AppState, text: &str, attachments: &[Attachment]) -> serde_json::Value {
    match attachments.first() {
        Some(a) if text.is_empty() => serde_json::json!({
            "type": "attachment",
            "attachment": {
                "type": ChannelAttachmentKind::from(a.kind),
                "url": a.file_id.as_ref().map(|f| state.signed_file_url(f)),
                "fileName": a.name,
            }
        }),
        _ => serde_json::json!({"type": "text", "text": text}),
    }
}

/// A message; `None` for the timeline's activity entries, which are not messages here.
pub fn message(state: &AppState, m: &Message) -> Option<v2::Message> {
    let traffic = match m.direction {
        Direction::Incoming => "incoming",
        Direction::Outgoing => "outgoing",
        Direction::Activity => return None,
    };
    let source = match m.sender.kind {
        ActorKind::Contact => "contact",
        ActorKind::User => "user",
        ActorKind::Automation => "workflow",
        ActorKind::Bot => "ai_agent",
        ActorKind::Api => "api",
        ActorKind::Channel => "echo",
        ActorKind::Welcome | ActorKind::Merge | ActorKind::System => "system",
    };
    let sender = v2::Sender {
        source: source.into(),
        user_id: m.sender.user_id().map(num),
        workflow_id: (m.sender.kind == ActorKind::Automation)
            .then(|| m.sender.id.as_deref().map(num))
            .flatten(),
    };
    let status = if m.direction == Direction::Outgoing {
        vec![v2::MessageStatus {
            value: m.delivery.as_str().into(),
            timestamp: seconds(m.created_at),
            message: m.error.clone(),
        }]
    } else {
        Vec::new()
    };
    Some(v2::Message {
        message_id: num(m.id.as_str()),
        contact_id: num(m.contact_id.as_str()),
        channel_id: m.channel_id.as_ref().map(|c| num(c.as_str())),
        traffic: traffic.into(),
        message: content(state, &m.text, &m.attachments),
        status,
        sender,
        created_at: seconds(m.sent_at.unwrap_or(m.created_at)),
    })
}
