//! Messages to one contact leave in the order they were written: a later one sees that an
//! older outgoing message still waits for its delivery, on any handle, and stops seeing it
//! once that one was sent or failed.

use std::sync::Arc;

use messenger_protocol::{Actor, ActorKind, ContactId, Delivery, Direction, Message};
use messenger_server::store::{NewMessage, Store};

use super::bed::Bed;
use super::workspace;

async fn outgoing(store: &Arc<dyn Store>, contact: &ContactId, delivery: Delivery) -> Message {
    let message = NewMessage {
        contact_id: contact.clone(),
        conversation_id: None,
        channel_id: None,
        direction: Direction::Outgoing,
        sender: Actor {
            kind: ActorKind::System,
            id: None,
            name: None,
        },
        client_id: None,
        external_id: None,
        text: "reply".into(),
        attachments: Vec::new(),
        delivery,
        activity: None,
        created_at: workspace::now(),
        sent_at: None,
    };
    store
        .write(move |tx| Ok(tx.insert_message(&message)?))
        .await
        .unwrap()
}

async fn waits(store: &Arc<dyn Store>, message: &Message) -> bool {
    let (contact, id) = (message.contact_id.clone(), message.id.clone());
    store
        .read(move |tx| Ok(tx.outgoing_pending_before(&contact, &id)?))
        .await
        .unwrap()
}

pub async fn a_later_message_waits_for_the_older_ones_to_the_same_contact(bed: Bed) {
    let (one, other) = (bed.handle(0), bed.handle(1));
    let channel = workspace::channel(&one).await;
    let (maria, sam) = (
        workspace::contact(&one, &channel, "maria").await,
        workspace::contact(&one, &channel, "sam").await,
    );
    let first = outgoing(&one, &maria, Delivery::Pending).await;
    let to_sam = outgoing(&other, &sam, Delivery::Pending).await;
    let second = outgoing(&other, &maria, Delivery::Pending).await;
    assert!(!waits(&other, &first).await, "{}: nothing older", bed.store);
    assert!(
        waits(&one, &second).await,
        "{}: the first still waits",
        bed.store
    );
    assert!(
        !waits(&one, &to_sam).await,
        "{}: another contact's",
        bed.store
    );

    // Sent, or failed for good: the next one goes.
    let mut sent = first.clone();
    sent.delivery = Delivery::Sent;
    one.write(move |tx| Ok(tx.update_message(&sent)?))
        .await
        .unwrap();
    assert!(
        !waits(&other, &second).await,
        "{}: the first went",
        bed.store
    );
    let third = outgoing(&one, &maria, Delivery::Pending).await;
    assert!(waits(&other, &third).await, "{}", bed.store);
    let mut failed = second.clone();
    failed.delivery = Delivery::Failed;
    other
        .write(move |tx| Ok(tx.update_message(&failed)?))
        .await
        .unwrap();
    assert!(
        !waits(&one, &third).await,
        "{}: a failed one holds nothing up",
        bed.store
    );
}
