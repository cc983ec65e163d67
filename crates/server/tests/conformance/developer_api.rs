//! What the Developer API asks of a store: workspace access tokens found by digest only while
//! not revoked (on every handle), contacts found by email without regard to case and by phone
//! by its digits or by their id on a channel, and a provider's repeated echo stored once even
//! when both copies arrive at once.

use messenger_protocol::custom_channel::ChannelMessage;
use messenger_protocol::{ContactPatch, Direction, Role};
use messenger_server::domain::{contacts, inbound};
use messenger_server::store::{ApiTokenRecord, ContactAddress};

use super::bed::Bed;
use super::workspace;

pub async fn tokens_contacts_by_address_and_echoes_keep_their_promises(bed: Bed) {
    let store = bed.handle(0);
    let owner = workspace::user(&store, "Olivia Owner", Role::Owner).await;
    let channel = workspace::channel(&store).await;

    // Tokens: by digest while not revoked, on every handle.
    let creator = owner.id.clone();
    let token = store
        .write(move |tx| {
            Ok(tx.insert_api_token(&ApiTokenRecord {
                id: String::new(),
                name: "n8n".into(),
                digest: "d1".into(),
                hint: "abcd".into(),
                created_by: creator.clone(),
                created_at: workspace::now(),
                last_used_at: None,
            })?)
        })
        .await
        .unwrap();
    assert!(
        !token.id.is_empty(),
        "{}: the store gives the id",
        bed.store
    );
    for i in 0..bed.handles() {
        let handle = bed.handle(i);
        let found = handle.read(|tx| Ok(tx.api_token("d1")?)).await.unwrap();
        assert_eq!(
            found.as_ref().map(|t| t.name.as_str()),
            Some("n8n"),
            "{}",
            bed.store
        );
        assert!(
            handle
                .read(|tx| Ok(tx.api_token("d2")?))
                .await
                .unwrap()
                .is_none()
        );
    }
    let id = token.id.clone();
    let revoked = store
        .write(move |tx| {
            Ok((
                tx.revoke_api_token(&id, workspace::now())?,
                tx.revoke_api_token(&id, workspace::now())?,
            ))
        })
        .await
        .unwrap();
    assert_eq!(
        revoked,
        (true, false),
        "{}: a token is revoked once",
        bed.store
    );
    for i in 0..bed.handles() {
        let handle = bed.handle(i);
        assert!(
            handle
                .read(|tx| Ok(tx.api_token("d1")?))
                .await
                .unwrap()
                .is_none(),
            "{}",
            bed.store
        );
        assert!(
            handle
                .read(|tx| Ok(tx.api_tokens()?))
                .await
                .unwrap()
                .is_empty(),
            "{}",
            bed.store
        );
    }

    // Contacts by address.
    let written = workspace::contact(&store, &channel, "+34 600-111").await;
    let me = owner.clone();
    let made = store
        .write(move |tx| {
            let ctx = workspace::ctx(tx, &me)?;
            let patch = ContactPatch {
                name: Some("Ana".into()),
                email: Some(Some("Ana@Example.com".into())),
                phone: Some(Some("+1 (555) 010-9999".into())),
                ..ContactPatch::default()
            };
            Ok(contacts::create(tx, &ctx, patch)?.id)
        })
        .await
        .unwrap();
    for (address, want) in [
        (ContactAddress::Email("ana@example.COM".into()), Some(&made)),
        (ContactAddress::Phone("+15550109999".into()), Some(&made)),
        (ContactAddress::Phone("+1 555 010 9999".into()), Some(&made)),
        (ContactAddress::Phone("+34600111".into()), Some(&written)),
        (ContactAddress::Phone("+4400000".into()), None),
        (ContactAddress::Email("nobody@example.com".into()), None),
    ] {
        let a = address.clone();
        let found = store
            .read(move |tx| Ok(tx.contact_by_address(&a)?))
            .await
            .unwrap();
        assert_eq!(
            found.as_ref().map(|c| &c.id),
            want,
            "{}: {address:?}",
            bed.store
        );
    }

    // The same echo twice at once: stored once.
    let results = workspace::at_once(&bed, 8, move |_, handle| {
        let channel = channel.clone();
        async move {
            handle
                .write(move |tx| {
                    let text = ChannelMessage::Text {
                        text: "Sent from the phone".into(),
                    };
                    inbound::receive_echo(
                        tx,
                        &channel,
                        "+34 600-111",
                        None,
                        inbound::Delivered::new("echo-1", &text),
                        workspace::now(),
                    )
                })
                .await
                .unwrap()
                .is_some()
        }
    })
    .await;
    assert_eq!(
        results.iter().filter(|s| **s).count(),
        1,
        "{}: {results:?}",
        bed.store
    );
    let of = written.clone();
    let messages = store
        .read(move |tx| Ok(tx.messages_of(&of)?))
        .await
        .unwrap();
    let echoes = messages
        .iter()
        .filter(|m| m.direction == Direction::Outgoing)
        .count();
    assert_eq!(echoes, 1, "{}", bed.store);
}
