//! Messages, comments and file records in PostgreSQL.

use messenger_protocol::{
    Activity, Actor, Attachment, ChannelId, ClientId, Comment, CommentId, ContactId,
    ConversationId, Delivery, Direction, FileId, Message, MessageId, UserId,
};
use tokio_postgres::Row;

use super::convert::{
    Col, id_param, id_required, id_text, millis, opt_id, opt_millis, opt_timestamp, opt_typed,
    timestamp, to_json,
};
use super::db::Db;
use super::tx::Lock;
use crate::store::{FileRecord, NewCommentRecord, NewMessage, StoreError};

const COLUMNS: &str = "id, client_id, contact_id, conversation_id, channel_id, direction, sender, \
                       text, attachments, delivery, error, activity, created_at, sent_at";

fn row(r: &Row) -> Result<Message, StoreError> {
    let direction: &str = r.col(5)?;
    let delivery: &str = r.col(9)?;
    Ok(Message {
        id: MessageId(id_text(r.col(0)?)),
        client_id: r.col::<Option<String>>(1)?.map(ClientId),
        contact_id: ContactId(id_text(r.col(2)?)),
        conversation_id: opt_typed::<ConversationId>(r.col(3)?),
        channel_id: opt_typed::<ChannelId>(r.col(4)?),
        // The CHECK constraint keeps the direction in range.
        direction: Direction::parse(direction).unwrap_or(Direction::Activity),
        sender: r.json::<Actor>(6)?,
        text: r.col(7)?,
        attachments: r.json::<Vec<Attachment>>(8)?,
        delivery: Delivery::parse(delivery).unwrap_or(Delivery::Pending),
        error: r.col(10)?,
        activity: r.opt_json::<Activity>(11)?,
        created_at: timestamp(r.col(12)?),
        sent_at: opt_timestamp(r.col(13)?),
    })
}

pub fn by_id(db: &Db<'_>, id: &MessageId, lock: Lock) -> Result<Option<Message>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    db.query_opt(
        &format!("SELECT {COLUMNS} FROM messages WHERE id = $1{}", lock.sql()),
        &[&id],
    )?
    .as_ref()
    .map(row)
    .transpose()
}

pub fn outgoing_pending_before(
    db: &Db<'_>,
    contact: &ContactId,
    message: &MessageId,
) -> Result<bool, StoreError> {
    let (Some(contact), Some(message)) = (id_param(contact.as_str()), id_param(message.as_str()))
    else {
        return Ok(false);
    };
    let row = db.query_one(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE contact_id = $1 AND id < $2
             AND direction = 'outgoing' AND delivery = 'pending')",
        &[&contact, &message],
    )?;
    row.col(0)
}

pub fn by_client_id(
    db: &Db<'_>,
    user: &UserId,
    client_id: &ClientId,
) -> Result<Option<Message>, StoreError> {
    let Some(user) = id_param(user.as_str()) else {
        return Ok(None);
    };
    db.query_opt(
        &format!("SELECT {COLUMNS} FROM messages WHERE sender_user_id = $1 AND client_id = $2"),
        &[&user, &client_id.as_str()],
    )?
    .as_ref()
    .map(row)
    .transpose()
}

/// By the provider's mId; locked like [`by_id`] in a write transaction (receipts find their
/// message this way and then change it).
pub fn by_external_id(
    db: &Db<'_>,
    channel: &ChannelId,
    direction: Direction,
    external_id: &str,
    lock: Lock,
) -> Result<Option<Message>, StoreError> {
    let Some(channel) = id_param(channel.as_str()) else {
        return Ok(None);
    };
    // Outbound mIds are not unique (a provider may reuse one): the oldest, as SQLite's rowid
    // scan would find it.
    db.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM messages WHERE channel_id = $1 AND direction = $2
             AND external_id = $3 ORDER BY id LIMIT 1{}",
            lock.sql()
        ),
        &[&channel, &direction.as_str(), &external_id],
    )?
    .as_ref()
    .map(row)
    .transpose()
}

pub fn exists_by_external_id(
    db: &Db<'_>,
    channel: &ChannelId,
    direction: Direction,
    external_id: &str,
) -> Result<bool, StoreError> {
    let Some(channel) = id_param(channel.as_str()) else {
        return Ok(false);
    };
    Ok(db
        .query_opt(
            "SELECT 1 FROM messages WHERE channel_id = $1 AND direction = $2 AND external_id = $3
             LIMIT 1",
            &[&channel, &direction.as_str(), &external_id],
        )?
        .is_some())
}

pub fn page(
    db: &Db<'_>,
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
    db.query(
        &format!(
            "SELECT {COLUMNS} FROM messages WHERE contact_id = $1 AND id < $2
             ORDER BY id DESC LIMIT $3"
        ),
        &[&contact, &before, &i64::try_from(limit).unwrap_or(50)],
    )?
    .iter()
    .map(row)
    .collect()
}

pub fn of_contact(db: &Db<'_>, contact: &ContactId) -> Result<Vec<Message>, StoreError> {
    let Some(contact) = id_param(contact.as_str()) else {
        return Ok(Vec::new());
    };
    db.query(
        &format!("SELECT {COLUMNS} FROM messages WHERE contact_id = $1 ORDER BY id"),
        &[&contact],
    )?
    .iter()
    .map(row)
    .collect()
}

pub fn insert(db: &Db<'_>, m: &NewMessage) -> Result<Message, StoreError> {
    let contact = id_required(m.contact_id.as_str(), "Contact")?;
    // A repeated (channel, mId) or (user, client_id) that another instance is inserting right
    // now waits for that transaction and then inserts nothing (the transaction stays usable).
    let inserted = db.query_opt(
        "INSERT INTO messages (contact_id, conversation_id, channel_id, direction, sender,
             sender_user_id, client_id, external_id, text, attachments, delivery, activity, created_at,
                 sent_at, echo_mid)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT DO NOTHING RETURNING id",
        &[
            &contact,
            &opt_id(m.conversation_id.as_ref()),
            &opt_id(m.channel_id.as_ref()),
            &m.direction.as_str(),
            &to_json(&m.sender)?,
            &m.sender.user_id().and_then(id_param),
            &m.client_id.as_ref().map(ClientId::as_str),
            &m.external_id,
            &m.text,
            &to_json(&m.attachments)?,
            &m.delivery.as_str(),
            &m.activity.as_ref().map(to_json).transpose()?,
            &millis(m.created_at),
            &opt_millis(m.sent_at),
            &m.echo_mid(),
        ],
    )?;
    let Some(inserted) = inserted else {
        // The domain looks for the message before inserting it, so the row it met was
        // committed by a concurrent transaction meanwhile (this insert waited for it): run the
        // job again, and its look-up finds the message and answers with it.
        return Err(StoreError::Retryable(
            "a concurrent transaction stored this message first".into(),
        ));
    };
    Ok(Message {
        id: MessageId(id_text(inserted.col(0)?)),
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

pub fn update(db: &Db<'_>, m: &Message) -> Result<(), StoreError> {
    let id = id_required(m.id.as_str(), "Message")?;
    db.execute(
        "UPDATE messages SET text = $2, attachments = $3, delivery = $4, error = $5 WHERE id = $1",
        &[
            &id,
            &m.text,
            &to_json(&m.attachments)?,
            &m.delivery.as_str(),
            &m.error,
        ],
    )?;
    Ok(())
}

pub fn set_external_id(db: &Db<'_>, id: &MessageId, external_id: &str) -> Result<(), StoreError> {
    let id = id_required(id.as_str(), "Message")?;
    db.execute(
        "UPDATE messages SET external_id = $2 WHERE id = $1",
        &[&id, &external_id],
    )?;
    Ok(())
}

const COMMENT_COLUMNS: &str =
    "id, client_id, contact_id, author_id, author, text, mentions, created_at";

fn comment_row(r: &Row) -> Result<Comment, StoreError> {
    Ok(Comment {
        id: CommentId(id_text(r.col(0)?)),
        client_id: r.col::<Option<String>>(1)?.map(ClientId),
        contact_id: ContactId(id_text(r.col(2)?)),
        author_id: opt_typed::<UserId>(r.col(3)?),
        author: r.json::<Actor>(4)?,
        text: r.col(5)?,
        mentions: r.json::<Vec<UserId>>(6)?,
        created_at: timestamp(r.col(7)?),
    })
}

pub fn comments_of(db: &Db<'_>, contact: &ContactId) -> Result<Vec<Comment>, StoreError> {
    let Some(contact) = id_param(contact.as_str()) else {
        return Ok(Vec::new());
    };
    db.query(
        &format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE contact_id = $1 ORDER BY id"),
        &[&contact],
    )?
    .iter()
    .map(comment_row)
    .collect()
}

pub fn comment_by_client_id(
    db: &Db<'_>,
    author: &UserId,
    client_id: &ClientId,
) -> Result<Option<Comment>, StoreError> {
    let Some(author) = id_param(author.as_str()) else {
        return Ok(None);
    };
    db.query_opt(
        &format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE author_id = $1 AND client_id = $2"),
        &[&author, &client_id.as_str()],
    )?
    .as_ref()
    .map(comment_row)
    .transpose()
}

pub fn insert_comment(db: &Db<'_>, c: &NewCommentRecord) -> Result<Comment, StoreError> {
    let inserted = db.query_opt(
        "INSERT INTO comments (contact_id, author_id, author, client_id, text, mentions, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
        &[
            &id_required(c.contact_id.as_str(), "Contact")?,
            &c.author.user_id().and_then(id_param),
            &to_json(&c.author)?,
            &c.client_id.as_ref().map(ClientId::as_str),
            &c.text,
            &to_json(&c.mentions)?,
            &millis(c.created_at),
        ],
    )?;
    let Some(inserted) = inserted else {
        return Err(StoreError::Conflict(
            "This comment was stored already.".into(),
        ));
    };
    Ok(Comment {
        id: CommentId(id_text(inserted.col(0)?)),
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

fn file_row(r: &Row) -> Result<FileRecord, StoreError> {
    Ok(FileRecord {
        id: FileId(r.col(0)?),
        sha256: r.col(1)?,
        size: u64::try_from(r.col::<i64>(2)?).unwrap_or(0),
        mime: r.col(3)?,
        name: r.col(4)?,
        uploaded_by: opt_typed::<UserId>(r.col(5)?),
        created_at: timestamp(r.col(6)?),
    })
}

pub fn file(db: &Db<'_>, id: &FileId) -> Result<Option<FileRecord>, StoreError> {
    db.query_opt(
        &format!("SELECT {FILE_COLUMNS} FROM files WHERE id = $1"),
        &[&id.as_str()],
    )?
    .as_ref()
    .map(file_row)
    .transpose()
}

/// A file by the sequential id it had on SQLite before ids became random.
pub fn file_by_legacy_id(db: &Db<'_>, legacy: i64) -> Result<Option<FileRecord>, StoreError> {
    db.query_opt(
        &format!("SELECT {FILE_COLUMNS} FROM files WHERE legacy_id = $1"),
        &[&legacy],
    )?
    .as_ref()
    .map(file_row)
    .transpose()
}

/// Stores a file under a new random id (the record's own id is ignored): 32 hex characters
/// of a UUID v4, so knowing one id tells nothing about any other.
pub fn insert_file(db: &Db<'_>, f: &FileRecord) -> Result<FileRecord, StoreError> {
    let id = FileId(uuid::Uuid::new_v4().simple().to_string());
    db.execute(
        "INSERT INTO files (id, sha256, size, mime, name, uploaded_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &id.as_str(),
            &f.sha256,
            &i64::try_from(f.size).unwrap_or(i64::MAX),
            &f.mime,
            &f.name,
            &opt_id(f.uploaded_by.as_ref()),
            &millis(f.created_at),
        ],
    )?;
    Ok(FileRecord { id, ..f.clone() })
}

/// Contacts whose messages carry the file (`message_files`, kept by triggers on `messages`),
/// and those it is the picture of.
pub fn contacts_with_file(db: &Db<'_>, file: &FileId) -> Result<Vec<ContactId>, StoreError> {
    db.query(
        "SELECT m.contact_id FROM message_files f JOIN messages m ON m.id = f.message_id
         WHERE f.file_id = $1
         UNION SELECT id FROM contacts WHERE avatar_file_id = $1",
        &[&file.as_str()],
    )?
    .iter()
    .map(|r| Ok(ContactId(id_text(r.col(0)?))))
    .collect()
}
