//! Who gets notified of what: a new message on a contact assigned to me, a new message on an
//! unassigned contact (unless I turned that off), a contact assigned to me by someone else —
//! never for the conversation I am looking at. Pure, so every case is tested.

use messenger_protocol::{Contact, ContactId, Message, UserId};

/// One thing worth telling the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intent {
    pub contact_id: ContactId,
    pub contact_name: String,
    pub what: What,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum What {
    Message(String),
    AssignedToMe,
}

pub fn for_message(
    me: &UserId,
    contact: &Contact,
    message: &Message,
    focused: Option<&ContactId>,
    notify_unassigned: bool,
) -> Option<Intent> {
    if focused == Some(&contact.id) {
        return None;
    }
    let wanted = match &contact.assignee_id {
        Some(a) => a == me,
        None => notify_unassigned,
    };
    wanted.then(|| Intent {
        contact_id: contact.id.clone(),
        contact_name: contact.name.clone(),
        what: What::Message(if message.text.trim().is_empty() {
            message
                .attachments
                .first()
                .map(|a| format!("📎 {}", a.name))
                .unwrap_or_else(|| "New message".into())
        } else {
            message.text.clone()
        }),
    })
}

pub fn for_assignment(contact: &Contact, focused: Option<&ContactId>) -> Option<Intent> {
    (focused != Some(&contact.id)).then(|| Intent {
        contact_id: contact.id.clone(),
        contact_name: contact.name.clone(),
        what: What::AssignedToMe,
    })
}

/// What one notification says for a burst of intents: (summary, body, contact to open).
pub fn coalesce(intents: &[Intent]) -> Option<(String, String, ContactId)> {
    let last = intents.last()?;
    let body_of = |i: &Intent| match &i.what {
        What::Message(text) => shorten(text, 200),
        What::AssignedToMe => "was assigned to you".to_owned(),
    };
    if intents.len() == 1 {
        return Some(match &last.what {
            What::Message(_) => (
                last.contact_name.clone(),
                body_of(last),
                last.contact_id.clone(),
            ),
            What::AssignedToMe => (
                last.contact_name.clone(),
                "Assigned to you".into(),
                last.contact_id.clone(),
            ),
        });
    }
    let mut names: Vec<&str> = Vec::new();
    for i in intents.iter().rev() {
        if !names.contains(&i.contact_name.as_str()) {
            names.push(&i.contact_name);
        }
    }
    let messages = intents
        .iter()
        .filter(|i| matches!(i.what, What::Message(_)))
        .count();
    if names.len() == 1 {
        let summary = format!("{} ({} new)", last.contact_name, intents.len());
        return Some((summary, body_of(last), last.contact_id.clone()));
    }
    let summary = if messages == intents.len() {
        format!("{} new messages", intents.len())
    } else {
        format!("{} updates", intents.len())
    };
    let body = match names.len() {
        2 => format!("From {} and {}", names[0], names[1]),
        3 => format!("From {}, {} and {}", names[0], names[1], names[2]),
        n => format!("From {}, {} and {} others", names[0], names[1], n - 2),
    };
    Some((summary, body, last.contact_id.clone()))
}

fn shorten(s: &str, max: usize) -> String {
    let line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        line
    } else {
        let mut out: String = line.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use messenger_protocol::{
        Actor, ActorKind, ContactId, Delivery, Direction, MessageId, Timestamp,
    };

    use super::*;

    fn contact(id: &str, assignee: Option<&str>) -> Contact {
        Contact {
            id: ContactId(id.into()),
            name: format!("Contact {id}"),
            first_name: "Contact".into(),
            email: None,
            phone: None,
            tags: vec![],
            assignee_id: assignee.map(|a| UserId(a.into())),
            open_conversation_id: None,
            last_message_at: None,
            last_message_preview: None,
            waiting_since: None,
            channels: vec![],
            created_at: Timestamp::EPOCH,
            profile: Default::default(),
            custom_fields: Default::default(),
        }
    }

    fn message(text: &str) -> Message {
        Message {
            id: MessageId("1".into()),
            client_id: None,
            contact_id: ContactId("c".into()),
            conversation_id: None,
            channel_id: None,
            direction: Direction::Incoming,
            sender: Actor::of(ActorKind::Contact),
            text: text.into(),
            attachments: vec![],
            delivery: Delivery::Delivered,
            error: None,
            activity: None,
            created_at: Timestamp::EPOCH,
            sent_at: None,
        }
    }

    #[test]
    fn mine_and_unassigned_notify_others_do_not() {
        let me = UserId("1".into());
        let m = message("hello");
        assert!(for_message(&me, &contact("a", Some("1")), &m, None, true).is_some());
        assert!(for_message(&me, &contact("a", None), &m, None, true).is_some());
        assert!(
            for_message(&me, &contact("a", None), &m, None, false).is_none(),
            "turned off"
        );
        assert!(
            for_message(&me, &contact("a", Some("2")), &m, None, true).is_none(),
            "someone else's"
        );
        let focused = ContactId("a".into());
        assert!(
            for_message(&me, &contact("a", Some("1")), &m, Some(&focused), true).is_none(),
            "looking at it"
        );
        assert!(for_assignment(&contact("a", Some("1")), Some(&focused)).is_none());
        assert!(for_assignment(&contact("b", Some("1")), Some(&focused)).is_some());
    }

    #[test]
    fn bursts_become_one_notification() {
        let i = |c: &str, t: &str| Intent {
            contact_id: ContactId(c.into()),
            contact_name: c.into(),
            what: What::Message(t.into()),
        };
        assert_eq!(coalesce(&[i("Ana", "hi")]).unwrap().0, "Ana");
        let same = coalesce(&[i("Ana", "hi"), i("Ana", "still there?")]).unwrap();
        assert_eq!(
            (same.0.as_str(), same.1.as_str()),
            ("Ana (2 new)", "still there?")
        );
        let many = coalesce(&[
            i("Ana", "1"),
            i("Ben", "2"),
            i("Cy", "3"),
            i("Di", "4"),
            i("Ana", "5"),
        ])
        .unwrap();
        assert_eq!(many.0, "5 new messages");
        assert_eq!(many.1, "From Ana, Di and 2 others");
        assert_eq!(many.2.as_str(), "Ana", "a click opens the latest");
        assert!(coalesce(&[]).is_none());
    }
}
