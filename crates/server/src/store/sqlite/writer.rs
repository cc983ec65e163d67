//! The writer thread and its group commit.
//!
//! Every write job runs on this one thread. Jobs that queue up while a commit is being
//! fsync'd are taken together: each runs inside its own savepoint (so one refused job does not
//! undo the others), and the batch commits as one transaction with one fsync. A caller hears
//! back only after that commit, so an `Ok` always means "on disk". Events appended by the batch
//! are then published in seq order — which, with one writer, is commit order.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::tx::SqliteTx;
use crate::error::AppError;
use crate::secrets::SecretCipher;
use crate::store::{BoxAny, Committed, LogEvent, StoreError, WriteJob};

/// Upper bound on jobs per commit, so one batch cannot hold the lock for long.
const MAX_BATCH: usize = 512;
/// Runs of one job before a concurrent writer's failure is final.
const MAX_ATTEMPTS: u32 = 5;

pub struct WriteRequest {
    pub job: WriteJob,
    pub reply: oneshot::Sender<Result<BoxAny, AppError>>,
}

pub fn spawn(
    conn: Connection,
    rx: mpsc::Receiver<WriteRequest>,
    commits: broadcast::Sender<Committed>,
    cipher: Arc<SecretCipher>,
) -> Result<(), StoreError> {
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || run(conn, rx, commits, &cipher))
        .map(|_| ())
        .map_err(|e| StoreError::backend(format!("cannot start the writer thread: {e}")))
}

fn run(
    mut conn: Connection,
    mut rx: mpsc::Receiver<WriteRequest>,
    commits: broadcast::Sender<Committed>,
    cipher: &SecretCipher,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        commit_batch(&mut conn, &mut batch, &commits, cipher);
    }
    tracing::debug!("writer thread stopped: all store handles dropped");
}

fn commit_batch(
    conn: &mut Connection,
    batch: &mut Vec<WriteRequest>,
    commits: &broadcast::Sender<Committed>,
    cipher: &SecretCipher,
) {
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            tracing::error!(error = %e, "cannot start a write transaction");
            for req in batch.drain(..) {
                let _ = req
                    .reply
                    .send(Err(AppError::internal("starting a write transaction", &e)));
            }
            return;
        }
    };
    let mut answers = Vec::with_capacity(batch.len());
    let mut events: Vec<Arc<LogEvent>> = Vec::new();
    let mut jobs_enqueued = false;
    for req in batch.drain(..) {
        let result = run_job(&mut tx, cipher, req.job, &mut events, &mut jobs_enqueued);
        answers.push((req.reply, result));
    }
    match tx.commit() {
        Ok(()) => {
            // Publish before answering, so a client that hears "done" and then subscribes
            // cannot miss the event (it is in the log either way).
            if !events.is_empty() {
                let _ = commits.send(Committed::Events(events));
            }
            if jobs_enqueued {
                let _ = commits.send(Committed::JobsEnqueued);
            }
            for (reply, result) in answers {
                // A caller that went away (timeout, closed connection) no longer listens.
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "commit failed; the whole batch was rolled back");
            for (reply, _) in answers {
                let _ = reply.send(Err(AppError::internal("committing to the database", &e)));
            }
        }
    }
}

/// Runs one job in a savepoint: its changes (and events) stay only if it succeeds. A job that
/// failed because a concurrent transaction got in the way runs again, a few times.
fn run_job(
    tx: &mut rusqlite::Transaction<'_>,
    cipher: &SecretCipher,
    mut job: WriteJob,
    events: &mut Vec<Arc<LogEvent>>,
    jobs_enqueued: &mut bool,
) -> Result<BoxAny, AppError> {
    let mut attempt = 1;
    loop {
        match run_once(tx, cipher, &mut job, events, jobs_enqueued) {
            Err(e) if e.is_retryable() && attempt < MAX_ATTEMPTS => {
                tracing::debug!(error = %e, attempt, "a write job met a concurrent transaction; running it again");
                std::thread::sleep(backoff(attempt));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// How long to wait before attempt `attempt + 1`: 5, 10, 20, 40 ms.
fn backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis(5 << attempt.min(6))
}

fn run_once(
    tx: &mut rusqlite::Transaction<'_>,
    cipher: &SecretCipher,
    job: &mut WriteJob,
    events: &mut Vec<Arc<LogEvent>>,
    jobs_enqueued: &mut bool,
) -> Result<BoxAny, AppError> {
    let sp = tx.savepoint().map_err(StoreError::from)?;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut stx = SqliteTx::new(&sp, cipher);
        let result = job(&mut stx);
        (result, stx.appended, stx.jobs_enqueued)
    }));
    match outcome {
        Ok((Ok(value), appended, enqueued)) => {
            sp.commit().map_err(StoreError::from)?;
            events.extend(appended.into_iter().map(Arc::new));
            *jobs_enqueued |= enqueued;
            Ok(value)
        }
        // Dropping the savepoint rolls it back.
        Ok((Err(err), _, _)) => Err(err),
        Err(_) => Err(AppError::internal(
            "applying a change",
            "a write job panicked; its changes were rolled back",
        )),
    }
}
