//! Messages, comments and file records in SQLite.

use messenger_protocol::{
    Activity, Actor, Attachment, ChannelId, ClientId, Comment, CommentId, ContactId,
    ConversationId, Delivery, Direction, FileId, Message, MessageId, UserId,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{
    Json, id_param, id_required, id_text, is_unique_violation, millis, opt_id, opt_millis,
    opt_timestamp, opt_typed, timestamp, to_json,
};
use crate::store::{FileRecord, NewCommentRecord, NewMessage, StoreError};

const COLUMNS: &str = "id, client_id, contact_id, conversation_id, channel_id, direction, sender, \
                       text, attachments, delivery, error, activity, created_at, sent_at";

fn row(r: &Row<'_>) -> rusqlite::Result<Message> {
    let direction: String = r.get(5)?;
    let sender: Json<Actor> = r.get(6)?;
    let attachments: Json<Vec<Attachment>> = r.get(8)?;
    let delivery: String = r.get(9)?;
    let activity: Option<Json<Activity>> = r.get(11)?;
    Ok(Message {
        id: MessageId(id_text(r.get(0)?)),
        client_id: r.get::<_, Option<String>>(1)?.map(ClientId),
        contact_id: ContactId(id_text(r.get(2)?)),
        conversation_id: opt_typed::<ConversationId>(r.get(3)?),
        channel_id: opt_typed::<ChannelId>(r.get(4)?),
        // The CHECK constraint keeps the direction in range.
        direction: Direction::parse(&direction).unwrap_or(Direction::Activity),
        sender: sender.0,
        text: r.get(7)?,
        attachments: attachments.0,
        delivery: Delivery::parse(&delivery).unwrap_or(Delivery::Pending),
        error: r.get(10)?,
        activity: activity.map(|a| a.0),
        created_at: timestamp(r.get(12)?),
        sent_at: opt_timestamp(r.get(13)?),
    })
}

/// The direction as a literal of the statement, not a parameter: the mId indexes are partial
/// (`WHERE direction = 'incoming'`), and SQLite decides that such an index applies by looking at
/// a parameter's value, which makes it re-prepare the cached statement on every run (it showed
/// as 13% of the writer thread in the webhook benchmark's profile).
fn direction_is(direction: Direction) -> &'static str {
    match direction {
        Direction::Incoming => "direction = 'incoming'",
        Direction::Outgoing => "direction = 'outgoing'",
        Direction::Activity => "direction = 'activity'",
    }
}

pub fn by_id(conn: &Connection, id: &MessageId) -> Result<Option<Message>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM messages WHERE id = ?1"))?
        .query_row([id], row)
        .optional()?)
}

pub fn outgoing_pending_before(
    conn: &Connection,
    contact: &ContactId,
    message: &MessageId,
) -> Result<bool, StoreError> {
    let (Some(contact), Some(message)) = (id_param(contact.as_str()), id_param(message.as_str()))
    else {
        return Ok(false);
    };
    Ok(conn
        .prepare_cached(PENDING_BEFORE)?
        .query_row([contact, message], |r| r.get(0))?)
}

/// Answered by the partial index of migration 8 (a test holds them together).
const PENDING_BEFORE: &str =
    "SELECT EXISTS (SELECT 1 FROM messages WHERE contact_id = ?1 AND id < ?2
     AND direction = 'outgoing' AND delivery = 'pending')";

pub fn by_client_id(
    conn: &Connection,
    user: &UserId,
    client_id: &ClientId,
) -> Result<Option<Message>, StoreError> {
    let Some(user) = id_param(user.as_str()) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM messages WHERE sender_user_id = ?1 AND client_id = ?2"
        ))?
        .query_row(params![user, client_id.as_str()], row)
        .optional()?)
}

pub fn by_external_id(
    conn: &Connection,
    channel: &ChannelId,
    direction: Direction,
    external_id: &str,
) -> Result<Option<Message>, StoreError> {
    let Some(channel) = id_param(channel.as_str()) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM messages WHERE channel_id = ?1 AND {} AND external_id = ?2",
            direction_is(direction)
        ))?
        .query_row(params![channel, external_id], row)
        .optional()?)
}

pub fn page(
    conn: &Connection,
    contact: &ContactId,
    before: Option<&MessageId>,
    limit: usize,
) -> Result<Vec<Message>, StoreError> {
    let Some(contact) = id_param(contact.as_str()) else {
        return Ok(Vec::new());
    };
    let before = before
        .and_then(|b| id_param(b.as_str()))
        .unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM messages WHERE contact_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"
    ))?;
    let rows = stmt.query_map(
        params![contact, before, i64::try_from(limit).unwrap_or(50)],
        row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn of_contact(conn: &Connection, contact: &ContactId) -> Result<Vec<Message>, StoreError> {
    let Some(contact) = id_param(contact.as_str()) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM messages WHERE contact_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([contact], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn insert(conn: &Connection, m: &NewMessage) -> Result<Message, StoreError> {
    let contact = id_required(m.contact_id.as_str(), "Contact")?;
    let result = conn
        .prepare_cached(
            "INSERT INTO messages (contact_id, conversation_id, channel_id, direction, sender,
                 sender_user_id, client_id, external_id, text, attachments, delivery, activity, created_at,
                 sent_at, echo_mid)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?
        .execute(params![
            contact,
            opt_id(m.conversation_id.as_ref()),
            opt_id(m.channel_id.as_ref()),
            m.direction.as_str(),
            to_json(&m.sender)?,
            m.sender.user_id().and_then(id_param),
            m.client_id.as_ref().map(ClientId::as_str),
            m.external_id,
            m.text,
            to_json(&m.attachments)?,
            m.delivery.as_str(),
            m.activity.as_ref().map(to_json).transpose()?,
            millis(m.created_at),
            opt_millis(m.sent_at),
            m.echo_mid(),
        ]);
    match result {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::Conflict(
                "This message was stored already.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Message {
        id: MessageId(id_text(conn.last_insert_rowid())),
        client_id: m.client_id.clone(),
        contact_id: m.contact_id.clone(),
        conversation_id: m.conversation_id.clone(),
        channel_id: m.channel_id.clone(),
        direction: m.direction,
        sender: m.sender.clone(),
        text: m.text.clone(),
        attachments: m.attachments.clone(),
        delivery: m.delivery,
        error: None,
        activity: m.activity.clone(),
        created_at: m.created_at,
        sent_at: m.sent_at,
    })
}

pub fn exists_by_external_id(
    conn: &Connection,
    channel: &ChannelId,
    direction: Direction,
    external_id: &str,
) -> Result<bool, StoreError> {
    let Some(channel) = id_param(channel.as_str()) else {
        return Ok(false);
    };
    Ok(conn
        .prepare_cached(&format!(
            "SELECT 1 FROM messages WHERE channel_id = ?1 AND {} AND external_id = ?2",
            direction_is(direction)
        ))?
        .query_row(params![channel, external_id], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn update(conn: &Connection, m: &Message) -> Result<(), StoreError> {
    let id = id_required(m.id.as_str(), "Message")?;
    conn.prepare_cached(
        "UPDATE messages SET text = ?2, attachments = ?3, delivery = ?4, error = ?5 WHERE id = ?1",
    )?
    .execute(params![
        id,
        m.text,
        to_json(&m.attachments)?,
        m.delivery.as_str(),
        m.error
    ])?;
    Ok(())
}

pub fn set_external_id(
    conn: &Connection,
    id: &MessageId,
    external_id: &str,
) -> Result<(), StoreError> {
    let id = id_required(id.as_str(), "Message")?;
    conn.prepare_cached("UPDATE messages SET external_id = ?2 WHERE id = ?1")?
        .execute(params![id, external_id])?;
    Ok(())
}

const COMMENT_COLUMNS: &str =
    "id, client_id, contact_id, author_id, author, text, mentions, created_at";

fn comment_row(r: &Row<'_>) -> rusqlite::Result<Comment> {
    let author: Json<Actor> = r.get(4)?;
    let mentions: Json<Vec<UserId>> = r.get(6)?;
    Ok(Comment {
        id: CommentId(id_text(r.get(0)?)),
        client_id: r.get::<_, Option<String>>(1)?.map(ClientId),
        contact_id: ContactId(id_text(r.get(2)?)),
        author_id: opt_typed::<UserId>(r.get(3)?),
        author: author.0,
        text: r.get(5)?,
        mentions: mentions.0,
        created_at: timestamp(r.get(7)?),
    })
}

pub fn comments_of(conn: &Connection, contact: &ContactId) -> Result<Vec<Comment>, StoreError> {
    let Some(contact) = id_param(contact.as_str()) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COMMENT_COLUMNS} FROM comments WHERE contact_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([contact], comment_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn comment_by_client_id(
    conn: &Connection,
    author: &UserId,
    client_id: &ClientId,
) -> Result<Option<Comment>, StoreError> {
    let Some(author) = id_param(author.as_str()) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE author_id = ?1 AND client_id = ?2"
        ))?
        .query_row(params![author, client_id.as_str()], comment_row)
        .optional()?)
}

pub fn insert_comment(conn: &Connection, c: &NewCommentRecord) -> Result<Comment, StoreError> {
    conn.prepare_cached(
        "INSERT INTO comments (contact_id, author_id, author, client_id, text, mentions, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        id_required(c.contact_id.as_str(), "Contact")?,
        c.author.user_id().and_then(id_param),
        to_json(&c.author)?,
        c.client_id.as_ref().map(ClientId::as_str),
        c.text,
        to_json(&c.mentions)?,
        millis(c.created_at)
    ])?;
    Ok(Comment {
        id: CommentId(id_text(conn.last_insert_rowid())),
        client_id: c.client_id.clone(),
        contact_id: c.contact_id.clone(),
        author_id: c.author.user_id().map(UserId::from),
        author: c.author.clone(),
        text: c.text.clone(),
        mentions: c.mentions.clone(),
        created_at: c.created_at,
    })
}

const FILE_COLUMNS: &str = "id, sha256, size, mime, name, uploaded_by, created_at";

fn file_row(r: &Row<'_>) -> rusqlite::Result<FileRecord> {
    Ok(FileRecord {
        id: FileId(r.get(0)?),
        sha256: r.get(1)?,
        size: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
        mime: r.get(3)?,
        name: r.get(4)?,
        uploaded_by: opt_typed::<UserId>(r.get(5)?),
        created_at: timestamp(r.get(6)?),
    })
}

pub fn file(conn: &Connection, id: &FileId) -> Result<Option<FileRecord>, StoreError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {FILE_COLUMNS} FROM files WHERE id = ?1"))?
        .query_row([id.as_str()], file_row)
        .optional()?)
}

/// A file by the sequential id it had before ids became random (migration 5).
pub fn file_by_legacy_id(conn: &Connection, legacy: i64) -> Result<Option<FileRecord>, StoreError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {FILE_COLUMNS} FROM files WHERE legacy_id = ?1"
        ))?
        .query_row([legacy], file_row)
        .optional()?)
}

/// A new file id: 32 hex characters of a random UUID v4 (122 random bits), so knowing one id
/// tells nothing about any other.
fn new_file_id() -> FileId {
    FileId(uuid::Uuid::new_v4().simple().to_string())
}

/// Stores a file under a new random id (the record's own id is ignored).
pub fn insert_file(conn: &Connection, f: &FileRecord) -> Result<FileRecord, StoreError> {
    let id = new_file_id();
    conn.prepare_cached(
        "INSERT INTO files (id, sha256, size, mime, name, uploaded_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        id.as_str(),
        f.sha256,
        i64::try_from(f.size).unwrap_or(i64::MAX),
        f.mime,
        f.name,
        opt_id(f.uploaded_by.as_ref()),
        millis(f.created_at)
    ])?;
    Ok(FileRecord { id, ..f.clone() })
}

/// Contacts whose messages carry the file (`message_files`, kept by triggers on `messages`),
/// and those it is the picture of.
pub fn contacts_with_file(conn: &Connection, file: &FileId) -> Result<Vec<ContactId>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.contact_id FROM message_files f JOIN messages m ON m.id = f.message_id
         WHERE f.file_id = ?1
         UNION SELECT id FROM contacts WHERE avatar_file_id = ?1",
    )?;
    let rows = stmt.query_map([file.as_str()], |r| r.get::<_, i64>(0))?;
    rows.map(|r| r.map(|id| ContactId(id_text(id))).map_err(StoreError::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::PENDING_BEFORE;

    #[test]
    fn the_delivery_order_check_reads_the_partial_index() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::super::migrations::migrate(&mut conn).unwrap();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {PENDING_BEFORE}"))
            .unwrap()
            .query_map([1, 2], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|step| step.contains("messages_pending_outgoing")),
            "{plan:?}"
        );
    }
}
