//! Exactly-once writes under concurrency: a repeated client_id or mId that arrives on several
//! connections at the same moment gives the one message stored, never a 409 or a second copy,
//! and a new contact writing on several connections at once becomes one contact.

use messenger_protocol::{ClientId, Direction, SendMessageRequest};
use messenger_server::domain::outgoing;

use super::bed::Bed;
use super::workspace::{self, at_once};

const AT_ONCE: usize = 8;

pub async fn a_client_id_sent_twice_at_once_gives_one_message(bed: Bed) {
    let store = bed.handle(0);
    let owner = workspace::owner(&store).await;
    let channel = workspace::channel(&store).await;
    let contact = workspace::contact(&store, &channel, "+1").await;
    let client_id = ClientId(uuid::Uuid::now_v7().to_string());

    let sent = at_once(&bed, AT_ONCE, {
        let (owner, contact, client_id) = (owner.clone(), contact.clone(), client_id.clone());
        move |_, store| {
            let (owner, contact, client_id) = (owner.clone(), contact.clone(), client_id.clone());
            async move {
                store
                    .write(move |tx| {
                        let ctx = workspace::ctx(tx, &owner)?;
                        let req = SendMessageRequest {
                            client_id: client_id.clone(),
                            text: Some("On my way".into()),
                            file_ids: Vec::new(),
                            voice: None,
                            channel_id: None,
                        };
                        let sent = outgoing::send(tx, &ctx, &contact, req)?;
                        Ok((sent.message.id, sent.created))
                    })
                    .await
            }
        }
    })
    .await;
    let answers: Vec<_> = sent
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|e| {
                panic!(
                    "{}: send {i} of the same client_id failed: {e:?}",
                    bed.store
                )
            })
        })
        .collect();
    let first = &answers[0].0;
    assert!(
        answers.iter().all(|(id, _)| id == first),
        "{}: the same client_id gave different messages: {answers:?}",
        bed.store
    );
    assert_eq!(
        answers.iter().filter(|(_, created)| *created).count(),
        1,
        "{}: exactly one send creates the message: {answers:?}",
        bed.store
    );
    let contact2 = contact.clone();
    let outgoing = store
        .read(move |tx| Ok(tx.messages_of(&contact2)?))
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.direction == Direction::Outgoing)
        .count();
    assert_eq!(outgoing, 1, "{}: one outgoing message is stored", bed.store);
}

pub async fn an_mid_received_twice_at_once_is_stored_once(bed: Bed) {
    let store = bed.handle(0);
    let channel = workspace::channel(&store).await;
    let contact = workspace::contact(&store, &channel, "+1").await;

    let received = at_once(&bed, AT_ONCE, {
        let channel = channel.clone();
        move |_, store| {
            let channel = channel.clone();
            async move { workspace::contact_writes(&store, &channel, "+1", "m-repeated").await }
        }
    })
    .await;
    let mut stored = Vec::new();
    for (i, r) in received.into_iter().enumerate() {
        match r {
            Ok(Some((message, _))) => stored.push(message.id),
            Ok(None) => {}
            Err(e) => panic!(
                "{}: delivery {i} of a repeated mId was refused ({e:?}); a repeat must be \
                 answered as the one stored",
                bed.store
            ),
        }
    }
    assert_eq!(stored.len(), 1, "{}: stored as new: {stored:?}", bed.store);
    let (id, ch) = (contact.clone(), channel.id.clone());
    let (messages, by_mid) = store
        .read(move |tx| {
            Ok((
                tx.messages_of(&id)?,
                tx.message_by_external_id(&ch, Direction::Incoming, "m-repeated")?,
            ))
        })
        .await
        .unwrap();
    let copies = messages
        .iter()
        .filter(|m| m.direction == Direction::Incoming && m.text == "Hello (m-repeated)")
        .count();
    assert_eq!(
        copies, 1,
        "{}: copies of the mId in the timeline",
        bed.store
    );
    assert_eq!(by_mid.map(|m| m.id), Some(stored[0].clone()));
}

pub async fn a_new_contact_writing_on_several_connections_is_one_contact(bed: Bed) {
    let store = bed.handle(0);
    let channel = workspace::channel(&store).await;

    let received =
        at_once(&bed, AT_ONCE, {
            let channel = channel.clone();
            move |i, store| {
                let channel = channel.clone();
                async move {
                    workspace::contact_writes(&store, &channel, "+new", &format!("m{i}")).await
                }
            }
        })
        .await;
    let mut contacts = Vec::new();
    for (i, r) in received.into_iter().enumerate() {
        match r {
            Ok(Some((_, contact))) => contacts.push(contact),
            Ok(None) => panic!(
                "{}: message {i} (a new mId) was taken for a repeat",
                bed.store
            ),
            Err(e) => panic!("{}: message {i} of a new contact failed: {e:?}", bed.store),
        }
    }
    contacts.dedup();
    assert_eq!(
        contacts.len(),
        1,
        "{}: one contact: {contacts:?}",
        bed.store
    );
    let (id, ch) = (contacts[0].clone(), channel.id.clone());
    let (by_identity, conversations, messages) = store
        .read(move |tx| {
            Ok((
                tx.contact_by_identity(&ch, "+new")?,
                tx.conversations_of(&id)?,
                tx.messages_of(&id)?,
            ))
        })
        .await
        .unwrap();
    assert_eq!(by_identity.map(|c| c.id), Some(contacts[0].clone()));
    assert_eq!(
        conversations.len(),
        1,
        "{}: one conversation opened: {conversations:?}",
        bed.store
    );
    let incoming: Vec<_> = messages
        .iter()
        .filter(|m| m.direction == Direction::Incoming)
        .collect();
    assert_eq!(
        incoming.len(),
        AT_ONCE,
        "{}: every message stored",
        bed.store
    );
    assert!(
        incoming
            .iter()
            .all(|m| m.conversation_id.as_ref() == Some(&conversations[0].id)),
        "{}: every message is in the one conversation",
        bed.store
    );
}
