//! Settings, meta facts, channels, closing-note categories and snippets in SQLite.

use messenger_protocol::{
    CategoryId, ChannelId, ChannelKind, ClosingNoteCategory, Settings, Snippet, SnippetId,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{
    id_param, id_required, id_text, is_unique_violation, millis, timestamp, to_json,
};
use crate::secrets::{SecretCipher, same_secret, token_digest};
use crate::store::{ChannelRecord, NewChannelRecord, StoreError};

pub fn settings(conn: &Connection) -> Result<Settings, StoreError> {
    let json: Option<String> = conn
        .prepare_cached("SELECT json FROM settings WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    match json {
        // Fields added later take their defaults when an older row lacks them.
        Some(j) => Ok(serde_json::from_str(&j).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "stored settings unreadable; using defaults");
            Settings::default()
        })),
        None => Ok(Settings::default()),
    }
}

pub fn put_settings(conn: &Connection, s: &Settings) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT OR REPLACE INTO settings (id, json) VALUES (1, ?1)")?
        .execute([to_json(s)?])?;
    Ok(())
}

pub fn meta(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub fn put_meta(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
        .execute([key, value])?;
    Ok(())
}

const CHANNEL_COLUMNS: &str = "id, name, kind, supports_voice, outbound_url, bot_url, api_token, \
                               signing_secret, allow_private_network, created_at";

/// The associated data that binds each sealed value to its column.
pub const API_TOKEN_FIELD: &str = "channels.api_token";
pub const SIGNING_SECRET_FIELD: &str = "channels.signing_secret";

/// A channel row as stored: its secrets still sealed.
fn channel_row(r: &Row<'_>) -> rusqlite::Result<ChannelRecord> {
    Ok(ChannelRecord {
        id: ChannelId(id_text(r.get(0)?)),
        name: r.get(1)?,
        // One kind exists; the column keeps room for more.
        kind: ChannelKind::Custom,
        supports_voice: r.get(3)?,
        outbound_url: r.get(4)?,
        bot_url: r.get(5)?,
        api_token: r.get(6)?,
        signing_secret: r.get(7)?,
        allow_private_network: r.get(8)?,
        created_at: timestamp(r.get(9)?),
    })
}

/// Opens a stored row's sealed secrets.
fn unseal(cipher: &SecretCipher, mut c: ChannelRecord) -> Result<ChannelRecord, StoreError> {
    c.api_token = cipher.open(API_TOKEN_FIELD, &c.api_token)?;
    c.signing_secret = cipher.open(SIGNING_SECRET_FIELD, &c.signing_secret)?;
    Ok(c)
}

pub fn channel(
    conn: &Connection,
    cipher: &SecretCipher,
    id: &ChannelId,
) -> Result<Option<ChannelRecord>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    conn.prepare_cached(&format!(
        "SELECT {CHANNEL_COLUMNS} FROM channels WHERE id = ?1"
    ))?
    .query_row([id], channel_row)
    .optional()?
    .map(|c| unseal(cipher, c))
    .transpose()
}

/// The channel whose api_token is `token`: found by the token's digest, then compared in
/// constant time with the opened token.
pub fn channel_by_token(
    conn: &Connection,
    cipher: &SecretCipher,
    token: &str,
) -> Result<Option<ChannelRecord>, StoreError> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {CHANNEL_COLUMNS} FROM channels WHERE api_token_sha256 = ?1"
        ))?
        .query_row([token_digest(token)], channel_row)
        .optional()?;
    let Some(channel) = found else {
        return Ok(None);
    };
    let channel = unseal(cipher, channel)?;
    Ok(same_secret(&channel.api_token, token).then_some(channel))
}

pub fn channels(
    conn: &Connection,
    cipher: &SecretCipher,
) -> Result<Vec<ChannelRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CHANNEL_COLUMNS} FROM channels ORDER BY id"
    ))?;
    let rows = stmt.query_map([], channel_row)?;
    rows.map(|row| unseal(cipher, row?)).collect()
}

pub fn insert_channel(
    conn: &Connection,
    cipher: &SecretCipher,
    c: &NewChannelRecord,
) -> Result<ChannelRecord, StoreError> {
    conn.prepare_cached(
        "INSERT INTO channels (name, kind, supports_voice, outbound_url, bot_url, api_token,
                               signing_secret, api_token_sha256, allow_private_network, created_at)
         VALUES (?1, 'custom', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        c.name,
        c.supports_voice,
        c.outbound_url,
        c.bot_url,
        cipher.seal(API_TOKEN_FIELD, &c.api_token)?,
        cipher.seal(SIGNING_SECRET_FIELD, &c.signing_secret)?,
        token_digest(&c.api_token),
        c.allow_private_network,
        millis(c.created_at)
    ])?;
    let id = ChannelId(id_text(conn.last_insert_rowid()));
    channel(conn, cipher, &id)?.ok_or_else(|| StoreError::backend("inserted channel vanished"))
}

pub fn update_channel(conn: &Connection, c: &ChannelRecord) -> Result<(), StoreError> {
    let id = id_required(c.id.as_str(), "Channel")?;
    conn.prepare_cached(
        "UPDATE channels SET name = ?2, supports_voice = ?3, outbound_url = ?4, bot_url = ?5,
             allow_private_network = ?6 WHERE id = ?1",
    )?
    .execute(params![
        id,
        c.name,
        c.supports_voice,
        c.outbound_url,
        c.bot_url,
        c.allow_private_network
    ])?;
    Ok(())
}

fn category_row(r: &Row<'_>) -> rusqlite::Result<ClosingNoteCategory> {
    Ok(ClosingNoteCategory {
        id: CategoryId(id_text(r.get(0)?)),
        name: r.get(1)?,
        description: r.get(2)?,
    })
}

pub fn categories(conn: &Connection) -> Result<Vec<ClosingNoteCategory>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, description FROM closing_note_categories ORDER BY name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([], category_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn category(
    conn: &Connection,
    id: &CategoryId,
) -> Result<Option<ClosingNoteCategory>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached("SELECT id, name, description FROM closing_note_categories WHERE id = ?1")?
        .query_row([id], category_row)
        .optional()?)
}

pub fn category_by_name(
    conn: &Connection,
    name: &str,
) -> Result<Option<ClosingNoteCategory>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, name, description FROM closing_note_categories WHERE name = ?1",
        )?
        .query_row([name], category_row)
        .optional()?)
}

fn category_conflict(name: &str) -> StoreError {
    StoreError::Conflict(format!(
        "A closing-note category named {name:?} already exists."
    ))
}

pub fn insert_category(
    conn: &Connection,
    name: &str,
    description: &str,
) -> Result<ClosingNoteCategory, StoreError> {
    match conn
        .prepare_cached("INSERT INTO closing_note_categories (name, description) VALUES (?1, ?2)")?
        .execute([name, description])
    {
        Ok(_) => Ok(ClosingNoteCategory {
            id: CategoryId(id_text(conn.last_insert_rowid())),
            name: name.to_owned(),
            description: description.to_owned(),
        }),
        Err(e) if is_unique_violation(&e) => Err(category_conflict(name)),
        Err(e) => Err(e.into()),
    }
}

pub fn update_category(conn: &Connection, c: &ClosingNoteCategory) -> Result<(), StoreError> {
    let id = id_required(c.id.as_str(), "Category")?;
    match conn
        .prepare_cached(
            "UPDATE closing_note_categories SET name = ?2, description = ?3 WHERE id = ?1",
        )?
        .execute(params![id, c.name, c.description])
    {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(category_conflict(&c.name)),
        Err(e) => Err(e.into()),
    }
}

pub fn delete_category(conn: &Connection, id: &CategoryId) -> Result<bool, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(false);
    };
    Ok(conn
        .prepare_cached("DELETE FROM closing_note_categories WHERE id = ?1")?
        .execute([id])?
        > 0)
}

fn snippet_row(r: &Row<'_>) -> rusqlite::Result<Snippet> {
    Ok(Snippet {
        id: SnippetId(id_text(r.get(0)?)),
        name: r.get(1)?,
        shortcut: r.get(2)?,
        text: r.get(3)?,
    })
}

pub fn snippets(conn: &Connection) -> Result<Vec<Snippet>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT id, name, shortcut, text FROM snippets ORDER BY shortcut")?;
    let rows = stmt.query_map([], snippet_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn snippet(conn: &Connection, id: &SnippetId) -> Result<Option<Snippet>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached("SELECT id, name, shortcut, text FROM snippets WHERE id = ?1")?
        .query_row([id], snippet_row)
        .optional()?)
}

fn snippet_conflict(shortcut: &str) -> StoreError {
    StoreError::Conflict(format!(
        "The shortcut /{shortcut} is already used by another snippet."
    ))
}

pub fn insert_snippet(
    conn: &Connection,
    name: &str,
    shortcut: &str,
    text: &str,
) -> Result<Snippet, StoreError> {
    match conn
        .prepare_cached("INSERT INTO snippets (name, shortcut, text) VALUES (?1, ?2, ?3)")?
        .execute([name, shortcut, text])
    {
        Ok(_) => Ok(Snippet {
            id: SnippetId(id_text(conn.last_insert_rowid())),
            name: name.to_owned(),
            shortcut: shortcut.to_owned(),
            text: text.to_owned(),
        }),
        Err(e) if is_unique_violation(&e) => Err(snippet_conflict(shortcut)),
        Err(e) => Err(e.into()),
    }
}

pub fn update_snippet(conn: &Connection, s: &Snippet) -> Result<(), StoreError> {
    let id = id_required(s.id.as_str(), "Snippet")?;
    match conn
        .prepare_cached("UPDATE snippets SET name = ?2, shortcut = ?3, text = ?4 WHERE id = ?1")?
        .execute(params![id, s.name, s.shortcut, s.text])
    {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(snippet_conflict(&s.shortcut)),
        Err(e) => Err(e.into()),
    }
}

pub fn delete_snippet(conn: &Connection, id: &SnippetId) -> Result<bool, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(false);
    };
    Ok(conn
        .prepare_cached("DELETE FROM snippets WHERE id = ?1")?
        .execute([id])?
        > 0)
}
