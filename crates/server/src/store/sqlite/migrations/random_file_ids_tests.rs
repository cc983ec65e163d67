//! Migration 5 on a database written the way the versions before it wrote it: files keep their
//! bytes and owners under new random ids, and the messages and events that name them follow.

use messenger_protocol::{
    Actor, Attachment, AttachmentKind, AttachmentStatus, ContactId, Delivery, Direction,
    EventPayload, FileId, Message, MessageId, Timestamp,
};
use rusqlite::Connection;

use super::{latest_version, migrate, migrate_to};

/// The schema just before file ids became random.
const BEFORE: u32 = 4;
use crate::store::NewMessage;
use crate::store::sqlite::{events, messages};

fn attachment(file_id: Option<&str>, name: &str) -> Attachment {
    Attachment {
        file_id: file_id.map(|f| FileId(f.into())),
        kind: AttachmentKind::Image,
        name: name.into(),
        mime: "image/png".into(),
        size: 4,
        status: if file_id.is_some() {
            AttachmentStatus::Ready
        } else {
            AttachmentStatus::Pending
        },
        error: None,
        duration_ms: None,
        waveform: None,
    }
}

/// An outgoing message to store with the current schema.
fn new_outgoing(attachments: Vec<Attachment>) -> NewMessage {
    NewMessage {
        contact_id: ContactId("1".into()),
        conversation_id: None,
        channel_id: None,
        direction: Direction::Outgoing,
        sender: Actor::user("7"),
        client_id: None,
        external_id: None,
        text: String::new(),
        attachments,
        delivery: Delivery::Sent,
        activity: None,
        created_at: Timestamp::EPOCH,
        sent_at: None,
    }
}

/// An outgoing message stored as the schema before migration 5 stored it (with the columns
/// it had: the store's insert writes columns that later migrations add).
fn outgoing(conn: &Connection, attachments: Vec<Attachment>) -> Message {
    conn.execute(
        "INSERT INTO messages (contact_id, direction, sender, sender_user_id, text, attachments,
                               delivery, created_at)
         VALUES (1, 'outgoing', ?1, 7, '', ?2, 'sent', 0)",
        rusqlite::params![
            serde_json::to_string(&Actor::user("7")).unwrap(),
            serde_json::to_string(&attachments).unwrap()
        ],
    )
    .unwrap();
    Message {
        id: MessageId(conn.last_insert_rowid().to_string()),
        client_id: None,
        contact_id: ContactId("1".into()),
        conversation_id: None,
        channel_id: None,
        direction: Direction::Outgoing,
        sender: Actor::user("7"),
        text: String::new(),
        attachments,
        delivery: Delivery::Sent,
        error: None,
        activity: None,
        created_at: Timestamp::EPOCH,
        sent_at: None,
    }
}

/// A database from before: two files (1 sent in a message beside a pending attachment, 2 an
/// unsent upload), the message, and its event.
fn old_database() -> (Connection, Message) {
    let mut conn = Connection::open_in_memory().unwrap();
    assert!(migrate_to(&mut conn, BEFORE).unwrap() <= BEFORE);
    conn.execute_batch(
        "INSERT INTO contacts (id, name, first_name, created_at, activity_at) VALUES (1, 'Ann', 'Ann', 0, 0);
         INSERT INTO files (id, sha256, size, mime, name, uploaded_by, created_at)
             VALUES (1, 'aa', 4, 'image/png', 'sent.png', 7, 0), (2, 'bb', 4, 'audio/ogg', 'draft.ogg', 8, 0);",
    )
    .unwrap();
    let message = outgoing(
        &conn,
        vec![
            attachment(Some("1"), "sent.png"),
            attachment(None, "later.png"),
        ],
    );
    events::append(
        &conn,
        &EventPayload::MessageUpserted(message.clone()),
        Timestamp::EPOCH,
        None,
    )
    .unwrap();
    (conn, message)
}

fn new_id_of(conn: &Connection, legacy: i64) -> String {
    conn.query_row("SELECT id FROM files WHERE legacy_id = ?1", [legacy], |r| {
        r.get(0)
    })
    .unwrap()
}

#[test]
fn files_get_random_ids_and_messages_and_events_name_them() {
    let (mut conn, before) = old_database();
    assert_eq!(migrate(&mut conn).unwrap(), latest_version());

    let sent = new_id_of(&conn, 1);
    let draft = new_id_of(&conn, 2);
    for id in [&sent, &draft] {
        assert_eq!(id.len(), 32, "{id}");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{id}"
        );
    }
    assert_ne!(sent, draft);
    let file = messages::file(&conn, &FileId(sent.clone()))
        .unwrap()
        .unwrap();
    assert_eq!(
        (file.name.as_str(), file.sha256.as_str(), file.size),
        ("sent.png", "aa", 4)
    );
    assert_eq!(file.uploaded_by.unwrap().as_str(), "7");
    assert!(
        messages::file(&conn, &FileId("1".into()))
            .unwrap()
            .is_none()
    );
    assert_eq!(
        messages::file_by_legacy_id(&conn, 2)
            .unwrap()
            .unwrap()
            .id
            .as_str(),
        draft
    );

    // The message, read back as the server reads it: same attachments, new id, same order.
    let after = messages::of_contact(&conn, &ContactId("1".into())).unwrap();
    let mut expected = before.clone();
    expected.attachments[0].file_id = Some(FileId(sent.clone()));
    assert_eq!(after, vec![expected.clone()]);
    assert_eq!(
        messages::contacts_with_file(&conn, &FileId(sent.clone())).unwrap(),
        vec![ContactId("1".into())]
    );
    let draft = FileId(draft);
    assert!(
        messages::contacts_with_file(&conn, &draft)
            .unwrap()
            .is_empty()
    );

    // Messages written later keep the index in step: a new one, and a changed attachment.
    let mut later =
        messages::insert(&conn, &new_outgoing(vec![attachment(None, "x.ogg")])).unwrap();
    assert!(
        messages::contacts_with_file(&conn, &draft)
            .unwrap()
            .is_empty()
    );
    later.attachments[0].file_id = Some(draft.clone());
    messages::update(&conn, &later).unwrap();
    assert_eq!(
        messages::contacts_with_file(&conn, &draft).unwrap(),
        vec![ContactId("1".into())]
    );
    later.attachments.clear();
    messages::update(&conn, &later).unwrap();
    assert!(
        messages::contacts_with_file(&conn, &draft)
            .unwrap()
            .is_empty()
    );
    let again = messages::insert(
        &conn,
        &new_outgoing(vec![attachment(Some(draft.as_str()), "x.ogg")]),
    )
    .unwrap();
    assert_eq!(
        messages::contacts_with_file(&conn, &draft).unwrap().len(),
        1,
        "{again:?}"
    );

    // The log says the same, and every old cursor now lies below its floor.
    let log = events::after(&conn, 0, 10).unwrap();
    assert_eq!(log.len(), 2, "the newest event is appended once more");
    for event in &log {
        let data: Message = serde_json::from_str(&event.data).unwrap();
        assert_eq!(data, expected);
    }
    assert_eq!(events::floor(&conn).unwrap(), log[1].seq);
    assert!(log[0].seq < events::floor(&conn).unwrap());
}

#[test]
fn a_database_without_files_keeps_its_log_as_it_was() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_to(&mut conn, BEFORE).unwrap();
    conn.execute_batch("INSERT INTO events (type, at, data) VALUES ('settings.updated', 0, '{}');")
        .unwrap();
    migrate(&mut conn).unwrap();
    assert_eq!(events::after(&conn, 0, 10).unwrap().len(), 1);
    assert_eq!(events::floor(&conn).unwrap(), 0);
}
