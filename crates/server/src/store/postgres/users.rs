//! Users and sessions in PostgreSQL.

use messenger_protocol::{Role, Timestamp, UserId, UserStatus};
use tokio_postgres::Row;

use super::convert::{Col, backend, id_param, id_required, id_text, millis, timestamp};
use super::db::{Db, is_unique_violation};
use crate::store::{NewUser, SessionRecord, StoreError, UserRecord};

const USER_COLUMNS: &str =
    "id, name, email, role, status, password_hash, active, created_at, chosen_status";

fn user_row(row: &Row) -> Result<UserRecord, StoreError> {
    let role: &str = row.col(3)?;
    let status: &str = row.col(4)?;
    let chosen: &str = row.col(8)?;
    Ok(UserRecord {
        id: UserId(id_text(row.col(0)?)),
        name: row.col(1)?,
        email: row.col(2)?,
        // The CHECK constraints keep these in range.
        role: Role::parse(role).unwrap_or(Role::Agent),
        status: UserStatus::parse(status).unwrap_or(UserStatus::Offline),
        password_hash: row.col(5)?,
        active: row.col(6)?,
        created_at: timestamp(row.col(7)?),
        chosen_status: UserStatus::parse(chosen).unwrap_or(UserStatus::Online),
    })
}

pub fn by_id(db: &Db<'_>, id: &UserId) -> Result<Option<UserRecord>, StoreError> {
    let Some(id) = id_param(id.as_str()) else {
        return Ok(None);
    };
    db.query_opt(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
        &[&id],
    )?
    .as_ref()
    .map(user_row)
    .transpose()
}

pub fn by_email(db: &Db<'_>, email: &str) -> Result<Option<UserRecord>, StoreError> {
    db.query_opt(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"),
        &[&email],
    )?
    .as_ref()
    .map(user_row)
    .transpose()
}

pub fn all(db: &Db<'_>) -> Result<Vec<UserRecord>, StoreError> {
    db.query(
        &format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"),
        &[],
    )?
    .iter()
    .map(user_row)
    .collect()
}

pub fn count(db: &Db<'_>) -> Result<u64, StoreError> {
    let n: i64 = db.query_one("SELECT COUNT(*) FROM users", &[])?.col(0)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn email_taken(email: &str) -> StoreError {
    StoreError::Conflict(format!("A user with the email {email} already exists."))
}

pub fn insert(db: &Db<'_>, user: &NewUser) -> Result<UserRecord, StoreError> {
    let row = db.query_opt(
        &format!(
            "INSERT INTO users (name, email, role, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING {USER_COLUMNS}"
        ),
        &[
            &user.name,
            &user.email,
            &user.role.as_str(),
            &user.password_hash,
            &millis(user.created_at),
        ],
    )?;
    match row {
        Some(row) => user_row(&row),
        None => Err(email_taken(&user.email)),
    }
}

pub fn update(db: &Db<'_>, u: &UserRecord) -> Result<(), StoreError> {
    let id = id_required(u.id.as_str(), "User")?;
    // Only online and busy can be chosen.
    let chosen = if u.chosen_status == UserStatus::Busy {
        "busy"
    } else {
        "online"
    };
    let result = db.guarded(|db| {
        db.execute_raw(
            "UPDATE users SET name = $2, email = $3, role = $4, status = $5, password_hash = $6,
                 active = $7, chosen_status = $8
             WHERE id = $1",
            &[
                &id,
                &u.name,
                &u.email,
                &u.role.as_str(),
                &u.status.as_str(),
                &u.password_hash,
                &u.active,
                &chosen,
            ],
        )
    })?;
    match result {
        Ok(0) => Err(StoreError::NotFound(format!("User {} not found.", u.id))),
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(email_taken(&u.email)),
        Err(e) => Err(backend(e)),
    }
}

pub fn session(db: &Db<'_>, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
    db.query_opt(
        "SELECT token_hash, user_id, created_at, last_used_at FROM sessions WHERE token_hash = $1",
        &[&token_hash],
    )?
    .map(|row| {
        Ok(SessionRecord {
            token_hash: row.col(0)?,
            user_id: UserId(id_text(row.col(1)?)),
            created_at: timestamp(row.col(2)?),
            last_used_at: timestamp(row.col(3)?),
        })
    })
    .transpose()
}

pub fn insert_session(db: &Db<'_>, s: &SessionRecord) -> Result<(), StoreError> {
    let user_id = id_required(s.user_id.as_str(), "User")?;
    db.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_used_at) VALUES ($1, $2, $3, $4)",
        &[
            &s.token_hash,
            &user_id,
            &millis(s.created_at),
            &millis(s.last_used_at),
        ],
    )?;
    Ok(())
}

pub fn delete_session(db: &Db<'_>, token_hash: &str) -> Result<bool, StoreError> {
    Ok(db.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])? > 0)
}

pub fn delete_sessions_of(db: &Db<'_>, user: &UserId) -> Result<(), StoreError> {
    if let Some(id) = id_param(user.as_str()) {
        db.execute("DELETE FROM sessions WHERE user_id = $1", &[&id])?;
    }
    Ok(())
}

pub fn delete_other_sessions(db: &Db<'_>, user: &UserId, keep: &str) -> Result<(), StoreError> {
    if let Some(id) = id_param(user.as_str()) {
        db.execute(
            "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
            &[&id, &keep],
        )?;
    }
    Ok(())
}

pub fn touch_session(db: &Db<'_>, token_hash: &str, at: Timestamp) -> Result<(), StoreError> {
    db.execute(
        "UPDATE sessions SET last_used_at = $2 WHERE token_hash = $1",
        &[&token_hash, &millis(at)],
    )?;
    Ok(())
}
