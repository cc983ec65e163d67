//! The event log in PostgreSQL.
//!
//! Appending does not write: a transaction buffers its events ([`PendingEvent`]) and the writer
//! numbers and inserts them all just before it commits ([`write_pending`]), through the one
//! row of `log_head` (see migration 1 for why that keeps the log gap-free in commit order).

use std::sync::Arc;

use messenger_protocol::{ContactId, EventPayload, Seq, Timestamp, UserId};
use tokio_postgres::Row;

use super::convert::{Col, millis, opt_id, opt_typed, timestamp};
use super::db::Db;
use crate::store::{LogEvent, StoreError};

const FLOOR_KEY: &str = "event_log_floor";
pub const EVENT_COLUMNS: &str = "seq, type, at, contact_id, assignee_id, data";

/// The channel whose notification wakes every instance's log follower; its payload is the
/// highest seq of the commit.
pub const LOG_CHANNEL: &str = "messenger_log";
/// The channel that wakes every instance's job runner.
pub const JOBS_CHANNEL: &str = "messenger_jobs";

pub fn event_row(r: &Row) -> Result<LogEvent, StoreError> {
    Ok(LogEvent {
        seq: r.col(0)?,
        kind: r.col(1)?,
        at: timestamp(r.col(2)?),
        contact_id: opt_typed::<ContactId>(r.col(3)?),
        assignee_id: opt_typed::<UserId>(r.col(4)?),
        data: Arc::from(r.col::<&str>(5)?),
        frame: Default::default(),
    })
}

/// An event appended by a transaction that has not committed yet: it has no seq.
#[derive(Clone, Debug)]
pub struct PendingEvent {
    pub kind: &'static str,
    pub at: Timestamp,
    pub contact_id: Option<ContactId>,
    pub assignee_id: Option<UserId>,
    pub data: Arc<str>,
}

impl PendingEvent {
    pub fn new(
        payload: &EventPayload,
        at: Timestamp,
        assignee: Option<&UserId>,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            kind: payload.kind(),
            at,
            contact_id: payload.contact_id().cloned(),
            assignee_id: assignee.cloned(),
            data: Arc::from(payload.data_json()?),
        })
    }

    pub fn numbered(self, seq: Seq) -> LogEvent {
        LogEvent {
            seq,
            kind: self.kind.to_owned(),
            at: self.at,
            contact_id: self.contact_id,
            assignee_id: self.assignee_id,
            data: self.data,
            frame: Default::default(),
        }
    }
}

/// Numbers the batch's events after the log head, inserts them and queues the notification,
/// in one statement; the caller commits next. The head row stays locked until then, so a
/// transaction that numbers later also commits later, and everything between taking the lock
/// and committing is this one round trip (writers of other batches wait on that lock).
pub fn write_pending(db: &Db<'_>, pending: Vec<PendingEvent>) -> Result<Vec<LogEvent>, StoreError> {
    let n = i64::try_from(pending.len()).unwrap_or(i64::MAX);
    let kinds: Vec<&str> = pending.iter().map(|e| e.kind).collect();
    let ats: Vec<i64> = pending.iter().map(|e| millis(e.at)).collect();
    let contacts: Vec<Option<i64>> = pending
        .iter()
        .map(|e| opt_id(e.contact_id.as_ref()))
        .collect();
    let assignees: Vec<Option<i64>> = pending
        .iter()
        .map(|e| opt_id(e.assignee_id.as_ref()))
        .collect();
    let data: Vec<&str> = pending.iter().map(|e| &*e.data).collect();
    // A data-modifying WITH runs to completion whether or not the outer query reads it.
    let last: i64 = db
        .query_one(
            "WITH head AS (
                 UPDATE log_head SET seq = seq + $1 WHERE id = 1 RETURNING seq
             ), logged AS (
                 INSERT INTO events (seq, type, at, contact_id, assignee_id, data)
                 SELECT head.seq - $1 + e.ord, e.type, e.at, e.contact_id, e.assignee_id, e.data
                 FROM head, UNNEST($2::TEXT[], $3::BIGINT[], $4::BIGINT[], $5::BIGINT[], $6::TEXT[])
                      WITH ORDINALITY AS e(type, at, contact_id, assignee_id, data, ord)
             )
             SELECT seq, pg_notify($7, seq::TEXT)::TEXT FROM head",
            &[&n, &kinds, &ats, &contacts, &assignees, &data, &LOG_CHANNEL],
        )?
        .col(0)?;
    Ok(pending
        .into_iter()
        .zip(last - n + 1..)
        .map(|(e, seq)| e.numbered(seq))
        .collect())
}

pub fn after(db: &Db<'_>, since: Seq, limit: usize) -> Result<Vec<LogEvent>, StoreError> {
    db.query(
        &format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2"),
        &[&since, &i64::try_from(limit).unwrap_or(1000)],
    )?
    .iter()
    .map(event_row)
    .collect()
}

/// The highest seq ever committed: every event up to it is visible in the same snapshot.
pub fn last_seq(db: &Db<'_>) -> Result<Seq, StoreError> {
    db.query_one("SELECT seq FROM log_head WHERE id = 1", &[])?
        .col(0)
}

pub fn seq_before(db: &Db<'_>, at: Timestamp) -> Result<Seq, StoreError> {
    let seq: Option<i64> = db
        .query_one("SELECT MAX(seq) FROM events WHERE at < $1", &[&millis(at)])?
        .col(0)?;
    Ok(seq.unwrap_or(0))
}

pub fn floor(db: &Db<'_>) -> Result<Seq, StoreError> {
    Ok(super::workspace::meta(db, FLOOR_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

pub fn prune(db: &Db<'_>, upto: Seq) -> Result<u64, StoreError> {
    // The newest event stays, as on SQLite (there it is where the next seq counts from; here
    // the head row is, but a reader at the head keeps a cursor the log holds).
    let newest: Option<i64> = db.query_one("SELECT MAX(seq) FROM events", &[])?.col(0)?;
    let upto = upto.min(newest.unwrap_or(0) - 1);
    if upto <= 0 {
        return Ok(0);
    }
    let n = db.execute("DELETE FROM events WHERE seq <= $1", &[&upto])?;
    if upto > floor(db)? {
        super::workspace::put_meta(db, FLOOR_KEY, &upto.to_string())?;
    }
    Ok(n)
}
