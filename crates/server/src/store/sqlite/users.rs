//! Users and sessions in SQLite.

use messenger_protocol::{Role, Timestamp, UserId, UserStatus};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::convert::{id_param, id_required, id_text, is_unique_violation, millis, timestamp};
use crate::store::{NewUser, SessionRecord, StoreError, UserRecord};

const USER_COLUMNS: &str =
    "id, name, email, role, status, password_hash, active, created_at, chosen_status";

fn user_row(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    let role: String = row.get(3)?;
    let status: String = row.get(4)?;
    Ok(UserRecord {
        id: UserId(id_text(row.get(0)?)),
        name: row.get(1)?,
        email: row.get(2)?,
        // The CHECK constraints keep these in range.
        role: Role::parse(&role).unwrap_or(Role::Agent),
        status: UserStatus::parse(&status).unwrap_or(UserStatus::Offline),
        password_hash: row.get(5)?,
        active: row.get(6)?,
        created_at: timestamp(row.get(7)?),
        chosen_status: UserStatus::parse(&row.get::<_, String>(8)?).unwrap_or(UserStatus::Online),
    })
}

pub fn by_id(conn: &Connection, id: &UserId) -> Result<Option<UserRecord>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))?;
    Ok(stmt.query_row([id], user_row).optional()?)
}

pub fn by_email(conn: &Connection, email: &str) -> Result<Option<UserRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = ?1"
    ))?;
    Ok(stmt.query_row([email], user_row).optional()?)
}

pub fn all(conn: &Connection) -> Result<Vec<UserRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))?;
    let rows = stmt.query_map([], user_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn count(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

pub fn insert(conn: &Connection, user: &NewUser) -> Result<UserRecord, StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO users (name, email, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let inserted = stmt.execute(params![
        user.name,
        user.email,
        user.role.as_str(),
        user.password_hash,
        millis(user.created_at)
    ]);
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::Conflict(format!(
                "A user with the email {} already exists.",
                user.email
            )));
        }
        Err(e) => return Err(e.into()),
    }
    let id = conn.last_insert_rowid();
    by_id(conn, &UserId(id_text(id)))?.ok_or_else(|| StoreError::backend("inserted user vanished"))
}

pub fn update(conn: &Connection, u: &UserRecord) -> Result<(), StoreError> {
    let id = id_required(u.id.as_str(), "User")?;
    let result = conn
        .prepare_cached(
            "UPDATE users SET name = ?2, email = ?3, role = ?4, status = ?5, password_hash = ?6, active = ?7,
                 chosen_status = ?8
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            u.name,
            u.email,
            u.role.as_str(),
            u.status.as_str(),
            u.password_hash,
            u.active,
            // Only online and busy can be chosen.
            if u.chosen_status == UserStatus::Busy { "busy" } else { "online" }
        ]);
    match result {
        Ok(0) => Err(StoreError::NotFound(format!("User {} not found.", u.id))),
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(format!(
            "A user with the email {} already exists.",
            u.email
        ))),
        Err(e) => Err(e.into()),
    }
}

pub fn session(conn: &Connection, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT token_hash, user_id, created_at, last_used_at FROM sessions WHERE token_hash = ?1",
    )?;
    Ok(stmt
        .query_row([token_hash], |row| {
            Ok(SessionRecord {
                token_hash: row.get(0)?,
                user_id: UserId(id_text(row.get(1)?)),
                created_at: timestamp(row.get(2)?),
                last_used_at: timestamp(row.get(3)?),
            })
        })
        .optional()?)
}

pub fn insert_session(conn: &Connection, s: &SessionRecord) -> Result<(), StoreError> {
    let user_id = id_required(s.user_id.as_str(), "User")?;
    conn.prepare_cached(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_used_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        s.token_hash,
        user_id,
        millis(s.created_at),
        millis(s.last_used_at)
    ])?;
    Ok(())
}

pub fn delete_session(conn: &Connection, token_hash: &str) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
        .execute([token_hash])?;
    Ok(n > 0)
}

pub fn delete_sessions_of(conn: &Connection, user: &UserId) -> Result<(), StoreError> {
    if let Some(id) = id_param(user.as_str()) {
        conn.prepare_cached("DELETE FROM sessions WHERE user_id = ?1")?
            .execute([id])?;
    }
    Ok(())
}

pub fn delete_other_sessions(
    conn: &Connection,
    user: &UserId,
    keep: &str,
) -> Result<(), StoreError> {
    if let Some(id) = id_param(user.as_str()) {
        conn.prepare_cached("DELETE FROM sessions WHERE user_id = ?1 AND token_hash <> ?2")?
            .execute(params![id, keep])?;
    }
    Ok(())
}

pub fn touch_session(conn: &Connection, token_hash: &str, at: Timestamp) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE sessions SET last_used_at = ?2 WHERE token_hash = ?1")?
        .execute(params![token_hash, millis(at)])?;
    Ok(())
}
