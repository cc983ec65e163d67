//! The durable job queue in PostgreSQL, with leases: a claimed job belongs to its claimer
//! until the lease ends, so several instances never run a job twice at once, and a job whose
//! instance died is taken over when its lease expires.

use messenger_protocol::Timestamp;
use tokio_postgres::Row;

use super::convert::{Col, millis, timestamp};
use super::db::Db;
use crate::store::{JobRecord, StoreError};

const COLUMNS: &str = "id, kind, payload, run_at, attempts, last_error";
/// Due, and nobody holds a live lease on it.
const RUNNABLE: &str = "run_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)";

fn job_row(r: &Row) -> Result<JobRecord, StoreError> {
    Ok(JobRecord {
        id: r.col(0)?,
        kind: r.col(1)?,
        payload: r.col(2)?,
        run_at: timestamp(r.col(3)?),
        attempts: u32::try_from(r.col::<i32>(4)?).unwrap_or(u32::MAX),
        last_error: r.col(5)?,
    })
}

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

pub fn due(db: &Db<'_>, now: Timestamp, limit: usize) -> Result<Vec<JobRecord>, StoreError> {
    db.query(
        &format!("SELECT {COLUMNS} FROM jobs WHERE {RUNNABLE} ORDER BY run_at, id LIMIT $2"),
        &[&millis(now), &limit_of(limit)],
    )?
    .iter()
    .map(job_row)
    .collect()
}

pub fn claim(
    db: &Db<'_>,
    owner: &str,
    now: Timestamp,
    lease_until: Timestamp,
    limit: usize,
) -> Result<Vec<JobRecord>, StoreError> {
    // SKIP LOCKED: rows another instance is claiming right now are left to it, so concurrent
    // claimers get disjoint sets without waiting for each other.
    let mut jobs = db
        .query(
            &format!(
                "UPDATE jobs SET locked_by = $3, locked_until = $4
                 WHERE id IN (SELECT id FROM jobs WHERE {RUNNABLE} ORDER BY run_at, id LIMIT $2
                              FOR UPDATE SKIP LOCKED)
                 RETURNING {COLUMNS}"
            ),
            &[&millis(now), &limit_of(limit), &owner, &millis(lease_until)],
        )?
        .iter()
        .map(job_row)
        .collect::<Result<Vec<_>, _>>()?;
    jobs.sort_by_key(|j| (j.run_at, j.id));
    Ok(jobs)
}

pub fn renew(
    db: &Db<'_>,
    owner: &str,
    ids: &[i64],
    lease_until: Timestamp,
) -> Result<u64, StoreError> {
    db.execute(
        "UPDATE jobs SET locked_until = $3 WHERE id = ANY($1) AND locked_by = $2",
        &[&ids, &owner, &millis(lease_until)],
    )
}

pub fn next_time(db: &Db<'_>) -> Result<Option<Timestamp>, StoreError> {
    let at: Option<i64> = db
        .query_one(
            "SELECT MIN(GREATEST(run_at, COALESCE(locked_until, run_at))) FROM jobs",
            &[],
        )?
        .col(0)?;
    Ok(at.map(timestamp))
}

pub fn enqueue(
    db: &Db<'_>,
    kind: &str,
    payload: &str,
    run_at: Timestamp,
) -> Result<i64, StoreError> {
    db.query_one(
        "INSERT INTO jobs (kind, payload, run_at, created_at) VALUES ($1, $2, $3, $3) RETURNING id",
        &[&kind, &payload, &millis(run_at)],
    )?
    .col(0)
}

pub fn finish(db: &Db<'_>, id: i64) -> Result<(), StoreError> {
    db.execute("DELETE FROM jobs WHERE id = $1", &[&id])?;
    Ok(())
}

pub fn retry(
    db: &Db<'_>,
    id: i64,
    run_at: Timestamp,
    error: &str,
    payload: Option<&str>,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE jobs SET run_at = $2, attempts = attempts + 1, last_error = $3,
             payload = COALESCE($4, payload), locked_by = NULL, locked_until = NULL
         WHERE id = $1",
        &[&id, &millis(run_at), &error, &payload],
    )?;
    Ok(())
}

pub fn advance(db: &Db<'_>, id: i64, run_at: Timestamp, payload: &str) -> Result<(), StoreError> {
    db.execute(
        "UPDATE jobs SET run_at = $2, payload = $3, locked_by = NULL, locked_until = NULL
         WHERE id = $1",
        &[&id, &millis(run_at), &payload],
    )?;
    Ok(())
}
