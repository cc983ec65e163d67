//! One open conversation per contact, whatever races: concurrent opens leave one open (the
//! others are told it is already open), and concurrent first replies share the one they open.

use messenger_protocol::{
    Actor, ClientId, ConversationStatus, Direction, ErrorCode, SendMessageRequest,
};
use messenger_server::domain::{conversations, outgoing};

use super::bed::Bed;
use super::workspace::{self, at_once};

const AT_ONCE: usize = 8;

pub async fn concurrent_opens_leave_one_open_conversation(bed: Bed) {
    let store = bed.handle(0);
    let owner = workspace::owner(&store).await;
    let channel = workspace::channel(&store).await;
    let contact = workspace::quiet_contact(&store, &channel, "+1").await;

    let opened = at_once(&bed, AT_ONCE, {
        let (owner, contact, channel) = (owner.clone(), contact.clone(), channel.id.clone());
        move |_, store| {
            let (owner, contact, channel) = (owner.clone(), contact.clone(), channel.clone());
            async move {
                store
                    .write(move |tx| {
                        let mut c = tx.contact(&contact)?.expect("the contact exists");
                        let by = Actor::user(owner.id.as_str());
                        let conversation = conversations::open(
                            tx,
                            &mut c,
                            Some(channel.clone()),
                            by,
                            workspace::now(),
                        )?;
                        Ok(conversation.id)
                    })
                    .await
            }
        }
    })
    .await;
    let mut open = Vec::new();
    for (i, r) in opened.into_iter().enumerate() {
        match r {
            Ok(id) => open.push(id),
            Err(e) => assert_eq!(
                e.code,
                ErrorCode::ConversationAlreadyOpen,
                "{}: open {i} failed otherwise than 'already open': {e:?}",
                bed.store
            ),
        }
    }
    assert_eq!(
        open.len(),
        1,
        "{}: opens that succeeded: {open:?}",
        bed.store
    );
    let id = contact.clone();
    let conversations = store
        .read(move |tx| Ok(tx.conversations_of(&id)?))
        .await
        .unwrap();
    let still_open: Vec<_> = conversations
        .iter()
        .filter(|c| c.status == ConversationStatus::Open)
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(still_open, open, "{}: the open conversations", bed.store);
    let c = workspace::read_contact(&store, &contact).await;
    assert_eq!(c.open_conversation_id, Some(open[0].clone()));
}

pub async fn concurrent_first_replies_open_one_conversation(bed: Bed) {
    let store = bed.handle(0);
    let owner = workspace::owner(&store).await;
    let channel = workspace::channel(&store).await;
    let contact = workspace::quiet_contact(&store, &channel, "+1").await;

    let sent = at_once(&bed, AT_ONCE, {
        let (owner, contact) = (owner.clone(), contact.clone());
        move |i, store| {
            let (owner, contact) = (owner.clone(), contact.clone());
            async move {
                store
                    .write(move |tx| {
                        let ctx = workspace::ctx(tx, &owner)?;
                        let req = SendMessageRequest {
                            client_id: ClientId(format!("reply-{i}")),
                            text: Some(format!("Reply {i}")),
                            file_ids: Vec::new(),
                            voice: None,
                            channel_id: None,
                        };
                        Ok(outgoing::send(tx, &ctx, &contact, req)?.message)
                    })
                    .await
            }
        }
    })
    .await;
    let sent: Vec<_> = sent
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.unwrap_or_else(|e| panic!("{}: reply {i} failed: {e:?}", bed.store)))
        .collect();
    let id = contact.clone();
    let (conversations, messages) = store
        .read(move |tx| Ok((tx.conversations_of(&id)?, tx.messages_of(&id)?)))
        .await
        .unwrap();
    assert_eq!(
        conversations.len(),
        1,
        "{}: the replies opened {} conversations",
        bed.store,
        conversations.len()
    );
    let outgoing: Vec<_> = messages
        .iter()
        .filter(|m| m.direction == Direction::Outgoing)
        .collect();
    assert_eq!(
        outgoing.len(),
        sent.len(),
        "{}: every reply stored",
        bed.store
    );
    assert!(
        outgoing
            .iter()
            .all(|m| m.conversation_id.as_ref() == Some(&conversations[0].id)),
        "{}: every reply is in the one conversation",
        bed.store
    );
}
