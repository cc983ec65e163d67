//! The durable job queue in SQLite, with leases: a claimed job belongs to its claimer until
//! the lease ends, so several runners on one database never run a job twice at once.

use messenger_protocol::Timestamp;
use rusqlite::{Connection, Row, params};

use super::convert::{millis, timestamp};
use crate::store::{JobRecord, StoreError};

const COLUMNS: &str = "id, kind, payload, run_at, attempts, last_error";
/// Due, and nobody holds a live lease on it.
const RUNNABLE: &str = "run_at <= ?1 AND (locked_until IS NULL OR locked_until <= ?1)";

fn job_row(r: &Row<'_>) -> rusqlite::Result<JobRecord> {
    Ok(JobRecord {
        id: r.get(0)?,
        kind: r.get(1)?,
        payload: r.get(2)?,
        run_at: timestamp(r.get(3)?),
        attempts: u32::try_from(r.get::<_, i64>(4)?).unwrap_or(u32::MAX),
        last_error: r.get(5)?,
    })
}

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

pub fn due(conn: &Connection, now: Timestamp, limit: usize) -> Result<Vec<JobRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM jobs WHERE {RUNNABLE} ORDER BY run_at, id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![millis(now), limit_of(limit)], job_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn claim(
    conn: &Connection,
    owner: &str,
    now: Timestamp,
    lease_until: Timestamp,
    limit: usize,
) -> Result<Vec<JobRecord>, StoreError> {
    // One writer holds the database, so selecting and then leasing cannot race.
    let mut stmt = conn.prepare_cached(&format!(
        "UPDATE jobs SET locked_by = ?3, locked_until = ?4
         WHERE id IN (SELECT id FROM jobs WHERE {RUNNABLE} ORDER BY run_at, id LIMIT ?2)
         RETURNING {COLUMNS}"
    ))?;
    let rows = stmt.query_map(
        params![millis(now), limit_of(limit), owner, millis(lease_until)],
        job_row,
    )?;
    let mut jobs: Vec<JobRecord> = rows.collect::<Result<_, _>>()?;
    jobs.sort_by_key(|j| (j.run_at, j.id));
    Ok(jobs)
}

pub fn renew(
    conn: &Connection,
    owner: &str,
    ids: &[i64],
    lease_until: Timestamp,
) -> Result<u64, StoreError> {
    let mut stmt =
        conn.prepare_cached("UPDATE jobs SET locked_until = ?3 WHERE id = ?1 AND locked_by = ?2")?;
    let mut renewed = 0;
    for id in ids {
        renewed += stmt.execute(params![id, owner, millis(lease_until)])? as u64;
    }
    Ok(renewed)
}

pub fn next_time(conn: &Connection) -> Result<Option<Timestamp>, StoreError> {
    let at: Option<i64> = conn
        .prepare_cached("SELECT MIN(MAX(run_at, COALESCE(locked_until, run_at))) FROM jobs")?
        .query_row([], |r| r.get(0))?;
    Ok(at.map(timestamp))
}

pub fn enqueue(
    conn: &Connection,
    kind: &str,
    payload: &str,
    run_at: Timestamp,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO jobs (kind, payload, run_at, created_at) VALUES (?1, ?2, ?3, ?3)",
    )?
    .execute(params![kind, payload, millis(run_at)])?;
    Ok(conn.last_insert_rowid())
}

pub fn finish(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM jobs WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn retry(
    conn: &Connection,
    id: i64,
    run_at: Timestamp,
    error: &str,
    payload: Option<&str>,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE jobs SET run_at = ?2, attempts = attempts + 1, last_error = ?3,
                         payload = COALESCE(?4, payload), locked_by = NULL, locked_until = NULL
         WHERE id = ?1",
    )?
    .execute(params![id, millis(run_at), error, payload])?;
    Ok(())
}

pub fn advance(
    conn: &Connection,
    id: i64,
    run_at: Timestamp,
    payload: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE jobs SET run_at = ?2, payload = ?3, locked_by = NULL, locked_until = NULL
         WHERE id = ?1",
    )?
    .execute(params![id, millis(run_at), payload])?;
    Ok(())
}
