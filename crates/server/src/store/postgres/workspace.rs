//! Settings, meta facts, channels, closing-note categories and snippets in PostgreSQL.

use messenger_protocol::{
    CategoryId, ChannelId, ChannelKind, ClosingNoteCategory, Settings, Snippet, SnippetId,
};
use tokio_postgres::Row;

use super::convert::{Col, backend, id_param, id_required, id_text, millis, timestamp, to_json};
use super::db::{Db, is_unique_violation};
use crate::secrets::{SecretCipher, same_secret, token_digest};
use crate::store::{ChannelRecord, NewChannelRecord, StoreError};

/// The associated data that binds each sealed value to its column (the same as SQLite's, so a
/// copied workspace opens with the same key).
pub const API_TOKEN_FIELD: &str = "channels.api_token";
pub const SIGNING_SECRET_FIELD: &str = "channels.signing_secret";

pub fn settings(db: &Db<'_>) -> Result<Settings, StoreError> {
    let row = db.query_opt("SELECT json FROM settings WHERE id = 1", &[])?;
    match row {
        // Fields added later take their defaults when an older row lacks them.
        Some(row) => Ok(
            serde_json::from_str(row.col::<&str>(0)?).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "stored settings unreadable; using defaults");
                Settings::default()
            }),
        ),
        None => Ok(Settings::default()),
    }
}

pub fn put_settings(db: &Db<'_>, s: &Settings) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO settings (id, json) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET json = excluded.json",
        &[&to_json(s)?],
    )?;
    Ok(())
}

pub fn meta(db: &Db<'_>, key: &str) -> Result<Option<String>, StoreError> {
    db.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?
        .map(|r| r.col(0))
        .transpose()
}

pub fn put_meta(db: &Db<'_>, key: &str, value: &str) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&key, &value],
    )?;
    Ok(())
}

const CHANNEL_COLUMNS: &str = "id, name, kind, supports_voice, outbound_url, bot_url, api_token, \
                               signing_secret, allow_private_network, created_at";

/// A channel row as stored: its secrets still sealed.
fn channel_row(r: &Row) -> Result<ChannelRecord, StoreError> {
    Ok(ChannelRecord {
        id: ChannelId(id_text(r.col(0)?)),
        name: r.col(1)?,
        // One kind exists; the column keeps room for more.
        kind: ChannelKind::Custom,
        supports_voice: r.col(3)?,
        outbound_url: r.col(4)?,
        bot_url: r.col(5)?,
        api_token: r.col(6)?,
        signing_secret: r.col(7)?,
        allow_private_network: r.col(8)?,
        created_at: timestamp(r.col(9)?),
    })
}

/// Opens a stored row's sealed secrets.
fn unseal(cipher: &SecretCipher, mut c: ChannelRecord) -> Result<ChannelRecord, StoreError> {
    c.api_token = cipher.open(API_TOKEN_FIELD, &c.api_token)?;
    c.signing_secret = cipher.open(SIGNING_SECRET_FIELD, &c.signing_secret)?;
    Ok(c)
}

pub fn channel(
    db: &Db<'_>,
    cipher: &SecretCipher,
    id: &ChannelId,
) -> Result<Option<ChannelRecord>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    db.query_opt(
        &format!("SELECT {CHANNEL_COLUMNS} FROM channels WHERE id = $1"),
        &[&id],
    )?
    .map(|r| unseal(cipher, channel_row(&r)?))
    .transpose()
}

/// The channel whose api_token is `token`: found by the token's digest, then compared in
/// constant time with the opened token.
pub fn channel_by_token(
    db: &Db<'_>,
    cipher: &SecretCipher,
    token: &str,
) -> Result<Option<ChannelRecord>, StoreError> {
    let found = db.query_opt(
        &format!("SELECT {CHANNEL_COLUMNS} FROM channels WHERE api_token_sha256 = $1"),
        &[&token_digest(token)],
    )?;
    let Some(row) = found else {
        return Ok(None);
    };
    let channel = unseal(cipher, channel_row(&row)?)?;
    Ok(same_secret(&channel.api_token, token).then_some(channel))
}

pub fn channels(db: &Db<'_>, cipher: &SecretCipher) -> Result<Vec<ChannelRecord>, StoreError> {
    db.query(
        &format!("SELECT {CHANNEL_COLUMNS} FROM channels ORDER BY id"),
        &[],
    )?
    .iter()
    .map(|r| unseal(cipher, channel_row(r)?))
    .collect()
}

pub fn insert_channel(
    db: &Db<'_>,
    cipher: &SecretCipher,
    c: &NewChannelRecord,
) -> Result<ChannelRecord, StoreError> {
    let row = db.query_one(
        &format!(
            "INSERT INTO channels (name, kind, supports_voice, outbound_url, bot_url, api_token,
                                   signing_secret, api_token_sha256, allow_private_network, created_at)
             VALUES ($1, 'custom', $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {CHANNEL_COLUMNS}"
        ),
        &[
            &c.name,
            &c.supports_voice,
            &c.outbound_url,
            &c.bot_url,
            &cipher.seal(API_TOKEN_FIELD, &c.api_token)?,
            &cipher.seal(SIGNING_SECRET_FIELD, &c.signing_secret)?,
            &token_digest(&c.api_token),
            &c.allow_private_network,
            &millis(c.created_at),
        ],
    )?;
    unseal(cipher, channel_row(&row)?)
}

pub fn update_channel(db: &Db<'_>, c: &ChannelRecord) -> Result<(), StoreError> {
    let id = id_required(c.id.as_str(), "Channel")?;
    db.execute(
        "UPDATE channels SET name = $2, supports_voice = $3, outbound_url = $4, bot_url = $5,
             allow_private_network = $6 WHERE id = $1",
        &[
            &id,
            &c.name,
            &c.supports_voice,
            &c.outbound_url,
            &c.bot_url,
            &c.allow_private_network,
        ],
    )?;
    Ok(())
}

fn category_row(r: &Row) -> Result<ClosingNoteCategory, StoreError> {
    Ok(ClosingNoteCategory {
        id: CategoryId(id_text(r.col(0)?)),
        name: r.col(1)?,
        description: r.col(2)?,
    })
}

pub fn categories(db: &Db<'_>) -> Result<Vec<ClosingNoteCategory>, StoreError> {
    // SQLite sorts with NOCASE: case folded, then byte order.
    db.query(
        "SELECT id, name, description FROM closing_note_categories
         ORDER BY lower(name) COLLATE \"C\", id",
        &[],
    )?
    .iter()
    .map(category_row)
    .collect()
}

pub fn category(db: &Db<'_>, id: &CategoryId) -> Result<Option<ClosingNoteCategory>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    db.query_opt(
        "SELECT id, name, description FROM closing_note_categories WHERE id = $1",
        &[&id],
    )?
    .as_ref()
    .map(category_row)
    .transpose()
}

pub fn category_by_name(
    db: &Db<'_>,
    name: &str,
) -> Result<Option<ClosingNoteCategory>, StoreError> {
    db.query_opt(
        "SELECT id, name, description FROM closing_note_categories WHERE lower(name) = lower($1)",
        &[&name],
    )?
    .as_ref()
    .map(category_row)
    .transpose()
}

fn category_conflict(name: &str) -> StoreError {
    StoreError::Conflict(format!(
        "A closing-note category named {name:?} already exists."
    ))
}

pub fn insert_category(
    db: &Db<'_>,
    name: &str,
    description: &str,
) -> Result<ClosingNoteCategory, StoreError> {
    let row = db.query_opt(
        "INSERT INTO closing_note_categories (name, description) VALUES ($1, $2)
         ON CONFLICT DO NOTHING RETURNING id",
        &[&name, &description],
    )?;
    match row {
        Some(row) => Ok(ClosingNoteCategory {
            id: CategoryId(id_text(row.col(0)?)),
            name: name.to_owned(),
            description: description.to_owned(),
        }),
        None => Err(category_conflict(name)),
    }
}

pub fn update_category(db: &Db<'_>, c: &ClosingNoteCategory) -> Result<(), StoreError> {
    let id = id_required(c.id.as_str(), "Category")?;
    match db.guarded(|db| {
        db.execute_raw(
            "UPDATE closing_note_categories SET name = $2, description = $3 WHERE id = $1",
            &[&id, &c.name, &c.description],
        )
    })? {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(category_conflict(&c.name)),
        Err(e) => Err(backend(e)),
    }
}

pub fn delete_category(db: &Db<'_>, id: &CategoryId) -> Result<bool, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(false);
    };
    Ok(db.execute("DELETE FROM closing_note_categories WHERE id = $1", &[&id])? > 0)
}

fn snippet_row(r: &Row) -> Result<Snippet, StoreError> {
    Ok(Snippet {
        id: SnippetId(id_text(r.col(0)?)),
        name: r.col(1)?,
        shortcut: r.col(2)?,
        text: r.col(3)?,
    })
}

pub fn snippets(db: &Db<'_>) -> Result<Vec<Snippet>, StoreError> {
    db.query(
        "SELECT id, name, shortcut, text FROM snippets ORDER BY shortcut COLLATE \"C\"",
        &[],
    )?
    .iter()
    .map(snippet_row)
    .collect()
}

pub fn snippet(db: &Db<'_>, id: &SnippetId) -> Result<Option<Snippet>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    db.query_opt(
        "SELECT id, name, shortcut, text FROM snippets WHERE id = $1",
        &[&id],
    )?
    .as_ref()
    .map(snippet_row)
    .transpose()
}

fn snippet_conflict(shortcut: &str) -> StoreError {
    StoreError::Conflict(format!(
        "The shortcut /{shortcut} is already used by another snippet."
    ))
}

pub fn insert_snippet(
    db: &Db<'_>,
    name: &str,
    shortcut: &str,
    text: &str,
) -> Result<Snippet, StoreError> {
    let row = db.query_opt(
        "INSERT INTO snippets (name, shortcut, text) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING id",
        &[&name, &shortcut, &text],
    )?;
    match row {
        Some(row) => Ok(Snippet {
            id: SnippetId(id_text(row.col(0)?)),
            name: name.to_owned(),
            shortcut: shortcut.to_owned(),
            text: text.to_owned(),
        }),
        None => Err(snippet_conflict(shortcut)),
    }
}

pub fn update_snippet(db: &Db<'_>, s: &Snippet) -> Result<(), StoreError> {
    let id = id_required(s.id.as_str(), "Snippet")?;
    match db.guarded(|db| {
        db.execute_raw(
            "UPDATE snippets SET name = $2, shortcut = $3, text = $4 WHERE id = $1",
            &[&id, &s.name, &s.shortcut, &s.text],
        )
    })? {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(snippet_conflict(&s.shortcut)),
        Err(e) => Err(backend(e)),
    }
}

pub fn delete_snippet(db: &Db<'_>, id: &SnippetId) -> Result<bool, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(false);
    };
    Ok(db.execute("DELETE FROM snippets WHERE id = $1", &[&id])? > 0)
}
