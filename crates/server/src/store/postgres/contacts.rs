//! Contacts and their channel identities in PostgreSQL.

use std::collections::HashMap;

use messenger_protocol::{
    ChannelId, Contact, ContactChannel, ContactId, ContactProfile, ContactView, ConversationId,
    FileId, StatusFilter, UserId,
};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::convert::{
    Col, id_param, id_required, id_text, like_pattern, millis, opt_id, opt_millis, opt_timestamp,
    opt_typed, timestamp, to_json,
};
use super::db::Db;
use super::tx::Lock;
use crate::store::{
    ContactAddress, ContactOrder, ContactQuery, NewContact, Scope, StoreError, address_lookup,
};

macro_rules! contact_columns {
    () => {
        "id, name, first_name, email, phone, tags, assignee_id, open_conversation_id, \
         last_message_at, last_message_preview, waiting_since, created_at, \
         language, country_code, timezone, avatar_file_id, custom_fields"
    };
}

const COLUMNS: &str = contact_columns!();

fn row(r: &Row) -> Result<Contact, StoreError> {
    Ok(Contact {
        id: ContactId(id_text(r.col(0)?)),
        name: r.col(1)?,
        first_name: r.col(2)?,
        email: r.col(3)?,
        phone: r.col(4)?,
        tags: r.json(5)?,
        assignee_id: opt_typed::<UserId>(r.col(6)?),
        open_conversation_id: opt_typed::<ConversationId>(r.col(7)?),
        last_message_at: opt_timestamp(r.col(8)?),
        last_message_preview: r.col(9)?,
        waiting_since: opt_timestamp(r.col(10)?),
        channels: Vec::new(),
        created_at: timestamp(r.col(11)?),
        profile: ContactProfile {
            language: r.col(12)?,
            country_code: r.col(13)?,
            timezone: r.col(14)?,
            avatar_file_id: r.col::<Option<String>>(15)?.map(FileId),
        },
        custom_fields: r.json(16)?,
    })
}

/// [`COLUMNS`] and then the contact's channel identities as two arrays (columns 17 and 18), so
/// that a lookup of one contact is one round trip. The sub-selects lock nothing: `FOR UPDATE`
/// locks only the contact's row.
const COLUMNS_WITH_CHANNELS: &str = concat!(
    contact_columns!(),
    ", ARRAY(SELECT channel_id FROM contact_channels cc WHERE cc.contact_id = contacts.id \
             ORDER BY channel_id, external_id), \
       ARRAY(SELECT external_id FROM contact_channels cc WHERE cc.contact_id = contacts.id \
             ORDER BY channel_id, external_id)"
);

/// A row of [`COLUMNS_WITH_CHANNELS`].
fn row_with_channels(r: &Row) -> Result<Contact, StoreError> {
    let mut contact = row(r)?;
    let channels: Vec<i64> = r.col(17)?;
    let externals: Vec<String> = r.col(18)?;
    contact.channels = channels
        .into_iter()
        .zip(externals)
        .map(|(channel, external_id)| ContactChannel {
            channel_id: ChannelId(id_text(channel)),
            external_id,
        })
        .collect();
    Ok(contact)
}

fn channel_of(r: &Row, first: usize) -> Result<ContactChannel, StoreError> {
    Ok(ContactChannel {
        channel_id: ChannelId(id_text(r.col(first)?)),
        external_id: r.col(first + 1)?,
    })
}

/// Fills `channels` of each contact of a page with one query (a lookup of one contact reads
/// them with it: [`COLUMNS_WITH_CHANNELS`]).
fn with_channels(db: &Db<'_>, mut contacts: Vec<Contact>) -> Result<Vec<Contact>, StoreError> {
    if contacts.is_empty() {
        return Ok(contacts);
    }
    let ids: Vec<i64> = contacts
        .iter()
        .filter_map(|c| id_param(c.id.as_str()))
        .collect();
    let mut by_contact: HashMap<i64, Vec<ContactChannel>> = HashMap::new();
    for r in db.query(
        "SELECT contact_id, channel_id, external_id FROM contact_channels
         WHERE contact_id = ANY($1) ORDER BY channel_id",
        &[&ids],
    )? {
        by_contact
            .entry(r.col(0)?)
            .or_default()
            .push(channel_of(&r, 1)?);
    }
    for c in &mut contacts {
        if let Some(list) = id_param(c.id.as_str()).and_then(|id| by_contact.remove(&id)) {
            c.channels = list;
        }
    }
    Ok(contacts)
}

/// By id; in a write transaction the row stays locked until commit, so that read, change and
/// write of one contact are serialized as they are on SQLite's single writer.
pub fn by_id(db: &Db<'_>, id: &ContactId, lock: Lock) -> Result<Option<Contact>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    let found = db.query_opt(
        &format!(
            "SELECT {COLUMNS_WITH_CHANNELS} FROM contacts WHERE id = $1{}",
            lock.sql()
        ),
        &[&id],
    )?;
    found.as_ref().map(row_with_channels).transpose()
}

pub fn assignees_of(
    db: &Db<'_>,
    ids: &[ContactId],
) -> Result<HashMap<ContactId, Option<UserId>>, StoreError> {
    let keys: Vec<i64> = ids.iter().filter_map(|i| id_param(i.as_str())).collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut found = HashMap::with_capacity(keys.len());
    for r in db.query(
        "SELECT id, assignee_id FROM contacts WHERE id = ANY($1)",
        &[&keys],
    )? {
        found.insert(
            ContactId(id_text(r.col(0)?)),
            opt_typed::<UserId>(r.col(1)?),
        );
    }
    Ok(found)
}

/// The oldest contact with an email or phone (see [`address_lookup`]).
pub fn by_address(
    db: &Db<'_>,
    address: &ContactAddress,
    lock: Lock,
) -> Result<Option<Contact>, StoreError> {
    let (sql, key) = address_lookup(address);
    match db.query_opt(&sql, &[&key])? {
        Some(r) => by_id(db, &ContactId(id_text(r.col(0)?)), lock),
        None => Ok(None),
    }
}

/// By channel identity; locked like [`by_id`] in a write transaction (inbound messages find
/// their contact this way and then change it).
pub fn by_identity(
    db: &Db<'_>,
    channel: &ChannelId,
    external_id: &str,
    lock: Lock,
) -> Result<Option<Contact>, StoreError> {
    let Some(channel) = id_param(channel.as_str()) else {
        return Ok(None);
    };
    let found = db.query_opt(
        &format!(
            "SELECT {COLUMNS_WITH_CHANNELS} FROM contacts WHERE id =
                 (SELECT contact_id FROM contact_channels WHERE channel_id = $1 AND external_id = $2){}",
            lock.sql()
        ),
        &[&channel, &external_id],
    )?;
    found.as_ref().map(row_with_channels).transpose()
}

pub fn external_id(
    db: &Db<'_>,
    contact: &ContactId,
    channel: &ChannelId,
) -> Result<Option<String>, StoreError> {
    let (Some(contact), Some(channel)) = (id_param(contact.as_str()), id_param(channel.as_str()))
    else {
        return Ok(None);
    };
    db.query_opt(
        "SELECT external_id FROM contact_channels WHERE contact_id = $1 AND channel_id = $2",
        &[&contact, &channel],
    )?
    .map(|r| r.col(0))
    .transpose()
}

/// WHERE terms with their arguments, numbered as they are added.
#[derive(Default)]
struct Filter {
    terms: Vec<String>,
    args: Vec<Box<dyn ToSql + Sync + Send>>,
}

impl Filter {
    /// Adds a term; each `?` in it becomes the next `$n`.
    fn term(&mut self, sql: &str, args: Vec<Box<dyn ToSql + Sync + Send>>) {
        let mut out = String::with_capacity(sql.len() + 4);
        let mut n = self.args.len();
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(c);
            }
        }
        self.terms.push(out);
        self.args.extend(args);
    }

    fn scope(&mut self, scope: &Scope) {
        match scope {
            Scope::All => {}
            Scope::AssignedToOrUnassigned(u) => self.term(
                "(assignee_id IS NULL OR assignee_id = ?)",
                vec![Box::new(id_param(u.as_str()).unwrap_or(0))],
            ),
            Scope::AssignedTo(u) => self.term(
                "assignee_id = ?",
                vec![Box::new(id_param(u.as_str()).unwrap_or(0))],
            ),
        }
    }

    fn where_clause(&self) -> String {
        if self.terms.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.terms.join(" AND "))
        }
    }

    fn next_arg(&self) -> String {
        format!("${}", self.args.len() + 1)
    }

    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.args
            .iter()
            .map(|a| a.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

pub fn query(db: &Db<'_>, q: &ContactQuery) -> Result<Vec<Contact>, StoreError> {
    let mut f = Filter::default();
    f.scope(&q.scope);
    match q.view {
        ContactView::All => {}
        ContactView::Mine => f.term(
            "assignee_id = ?",
            vec![Box::new(id_param(q.me.as_str()).unwrap_or(0))],
        ),
        ContactView::Unassigned => f.term("assignee_id IS NULL", vec![]),
    }
    match q.status {
        StatusFilter::Open => f.term("open_conversation_id IS NOT NULL", vec![]),
        StatusFilter::Closed => f.term("open_conversation_id IS NULL", vec![]),
        StatusFilter::Any => {}
    }
    if let Some(text) = q.text.as_deref().filter(|t| !t.trim().is_empty()) {
        // SQLite's LIKE ignores ASCII case; ILIKE does the same (and more).
        let p = like_pattern(text.trim());
        f.term(
            "(name ILIKE ? ESCAPE '\\' OR email ILIKE ? ESCAPE '\\' OR phone ILIKE ? ESCAPE '\\')",
            vec![Box::new(p.clone()), Box::new(p.clone()), Box::new(p)],
        );
    }
    match (q.order, q.after) {
        (ContactOrder::Activity, Some((at, id))) => f.term(
            "(activity_at, id) < (?, ?)",
            vec![Box::new(at), Box::new(id)],
        ),
        (ContactOrder::Newest, Some((_, id))) => f.term("id < ?", vec![Box::new(id)]),
        (_, None) => {}
    }
    let limit = f.next_arg();
    f.args.push(Box::new(i64::try_from(q.limit).unwrap_or(100)));
    let order = match q.order {
        ContactOrder::Activity => "activity_at DESC, id DESC",
        ContactOrder::Newest => "id DESC",
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM contacts {} ORDER BY {order} LIMIT {limit}",
        f.where_clause()
    );
    let contacts = db
        .query(&sql, &f.params())?
        .iter()
        .map(row)
        .collect::<Result<Vec<_>, _>>()?;
    with_channels(db, contacts)
}

pub fn in_scope(db: &Db<'_>, scope: &Scope) -> Result<Vec<Contact>, StoreError> {
    let mut f = Filter::default();
    f.scope(scope);
    let sql = format!(
        "SELECT {COLUMNS} FROM contacts {} ORDER BY activity_at DESC, id DESC",
        f.where_clause()
    );
    let contacts = db
        .query(&sql, &f.params())?
        .iter()
        .map(row)
        .collect::<Result<Vec<_>, _>>()?;
    with_channels(db, contacts)
}

/// The inbox's sort key of a contact.
fn activity_at(c: &Contact) -> i64 {
    millis(c.last_message_at.unwrap_or(c.created_at))
}

pub fn insert(db: &Db<'_>, c: &NewContact) -> Result<Contact, StoreError> {
    let r = db.query_one(
        &format!(
            "INSERT INTO contacts (name, first_name, email, phone, created_at, activity_at,
                                   language, country_code, timezone, avatar_file_id, custom_fields)
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10) RETURNING {COLUMNS}"
        ),
        &[
            &c.name,
            &c.first_name,
            &c.email,
            &c.phone,
            &millis(c.created_at),
            &c.profile.language,
            &c.profile.country_code,
            &c.profile.timezone,
            &c.profile.avatar_file_id.as_ref().map(|f| f.as_str()),
            &to_json(&c.custom_fields)?,
        ],
    )?;
    // A new contact has no channels yet.
    row(&r)
}

pub fn update(db: &Db<'_>, c: &Contact) -> Result<(), StoreError> {
    let id = id_required(c.id.as_str(), "Contact")?;
    let n = db.execute(
        "UPDATE contacts SET name = $2, first_name = $3, email = $4, phone = $5, tags = $6,
             assignee_id = $7, open_conversation_id = $8, last_message_at = $9,
             last_message_preview = $10, waiting_since = $11, activity_at = $12,
             language = $13, country_code = $14, timezone = $15, avatar_file_id = $16,
             custom_fields = $17
         WHERE id = $1",
        &[
            &id,
            &c.name,
            &c.first_name,
            &c.email,
            &c.phone,
            &to_json(&c.tags)?,
            &opt_id(c.assignee_id.as_ref()),
            &opt_id(c.open_conversation_id.as_ref()),
            &opt_millis(c.last_message_at),
            &c.last_message_preview,
            &opt_millis(c.waiting_since),
            &activity_at(c),
            &c.profile.language,
            &c.profile.country_code,
            &c.profile.timezone,
            &c.profile.avatar_file_id.as_ref().map(|f| f.as_str()),
            &to_json(&c.custom_fields)?,
        ],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("Contact {} not found.", c.id)));
    }
    Ok(())
}

pub fn add_identity(
    db: &Db<'_>,
    contact: &ContactId,
    channel: &ChannelId,
    external_id: &str,
) -> Result<(), StoreError> {
    let contact = id_required(contact.as_str(), "Contact")?;
    let channel = id_required(channel.as_str(), "Channel")?;
    let added = db.query_opt(
        "INSERT INTO contact_channels (channel_id, external_id, contact_id) VALUES ($1, $2, $3)
         ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING contact_id",
        &[&channel, &external_id, &contact],
    )?;
    if added.is_some() {
        return Ok(());
    }
    let owner: Option<i64> = db
        .query_opt(
            "SELECT contact_id FROM contact_channels WHERE channel_id = $1 AND external_id = $2",
            &[&channel, &external_id],
        )?
        .map(|r| r.col(0))
        .transpose()?;
    if owner == Some(contact) {
        return Ok(());
    }
    // The identity is only added to a contact just created because nobody had it: another
    // instance created its own contact for it meanwhile (this insert waited for that commit).
    // Running the job again finds that contact instead of making a second one.
    Err(StoreError::Retryable(
        "a concurrent transaction created the contact of this identity first".into(),
    ))
}

pub fn delete(db: &Db<'_>, id: &ContactId) -> Result<(), StoreError> {
    let id = id_required(id.as_str(), "Contact")?;
    db.execute("DELETE FROM contacts WHERE id = $1", &[&id])?;
    Ok(())
}

pub fn move_history(db: &Db<'_>, from: &ContactId, to: &ContactId) -> Result<(), StoreError> {
    let from = id_required(from.as_str(), "Contact")?;
    let to = id_required(to.as_str(), "Contact")?;
    for sql in [
        "UPDATE contact_channels SET contact_id = $2 WHERE contact_id = $1",
        "UPDATE conversations SET contact_id = $2 WHERE contact_id = $1",
        "UPDATE messages SET contact_id = $2 WHERE contact_id = $1",
        "UPDATE comments SET contact_id = $2 WHERE contact_id = $1",
    ] {
        db.execute(sql, &[&from, &to])?;
    }
    Ok(())
}
