//! Texts as people and providers send them: every store keeps what it accepts exactly as
//! written, and what it cannot keep (a NUL character, which PostgreSQL's text refuses) is
//! refused as invalid input the same way everywhere, never a database failure.

use messenger_protocol::{ClientId, Direction, ErrorCode, SendMessageRequest};
use messenger_server::domain::outgoing;

use super::bed::Bed;
use super::workspace;

const TEXTS: &[&str] = &[
    "NUL in the middle: a\u{0}b",
    "Quotes ' \" ` and a backslash \\ and a percent % sign",
    "Emoji 👩🏽‍💻 and 中文 and עברית",
    "Line\nbreaks\r\nand\ttabs",
];

/// Stored and read back as written, or refused as invalid input.
fn acceptable(
    store: &str,
    what: &str,
    text: &str,
    answer: Result<String, messenger_server::error::AppError>,
) {
    match answer {
        Ok(stored) => assert_eq!(
            stored, text,
            "{store}: {what} read back otherwise than written"
        ),
        Err(e) => assert_eq!(
            e.code,
            ErrorCode::InvalidField,
            "{store}: {what} {text:?} failed otherwise than as invalid input: {e:?}"
        ),
    }
}

pub async fn texts_are_kept_as_written_or_refused_as_invalid(bed: Bed) {
    let store = bed.handle(0);
    let owner = workspace::owner(&store).await;
    let channel = workspace::channel(&store).await;
    let contact = workspace::contact(&store, &channel, "+1").await;

    for (i, text) in TEXTS.iter().enumerate() {
        let (ch, t) = (channel.clone(), text.to_string());
        let incoming = store
            .write(move |tx| {
                let content =
                    messenger_protocol::custom_channel::ChannelMessage::Text { text: t.clone() };
                let stored = messenger_server::domain::inbound::receive_message(
                    tx,
                    &ch,
                    "+1",
                    None,
                    messenger_server::domain::inbound::Delivered::new(&format!("m{i}"), &content),
                    workspace::now(),
                )?;
                Ok(stored.map(|(m, _)| m.id))
            })
            .await;
        let incoming = match incoming {
            Ok(Some(id)) => {
                let m = store.read(move |tx| Ok(tx.message(&id)?)).await.unwrap();
                Ok(m.map(|m| m.text).unwrap_or_default())
            }
            Ok(None) => panic!("{}: a new mId was taken for a repeat", bed.store),
            Err(e) => Err(e),
        };
        acceptable(bed.store, "an incoming message", text, incoming);

        let (owner, to, t) = (owner.clone(), contact.clone(), text.to_string());
        let reply = store
            .write(move |tx| {
                let ctx = workspace::ctx(tx, &owner)?;
                let req = SendMessageRequest {
                    client_id: ClientId(format!("text-{i}")),
                    text: Some(t.clone()),
                    file_ids: Vec::new(),
                    voice: None,
                    channel_id: None,
                };
                Ok(outgoing::send(tx, &ctx, &to, req)?.message.id)
            })
            .await;
        let reply = match reply {
            Ok(id) => {
                let m = store.read(move |tx| Ok(tx.message(&id)?)).await.unwrap();
                let m = m.expect("the reply is stored");
                assert_eq!(m.direction, Direction::Outgoing);
                Ok(m.text)
            }
            Err(e) => Err(e),
        };
        acceptable(bed.store, "a reply", text, reply);
    }
}
