//! The writers and their group commit.
//!
//! Each instance runs a few writer threads. A writer takes the write jobs that queued up
//! (a batch), runs them inside one READ COMMITTED transaction, then numbers and logs the
//! events the batch appended through `log_head`, notifies, and commits: one commit for many
//! requests. A caller hears back only after that commit and after its events were published.
//!
//! One refused job must not undo the others, yet a savepoint per job costs two more round
//! trips each: a batch first runs plainly, and only when one of its jobs fails is it rolled
//! back and run again with each job in its own savepoint (as on SQLite).
//!
//! A batch that meets a serialization failure or a deadlock (SQLSTATE 40001 / 40P01), loses
//! its connection before the commit, or has a job answering `StoreError::Retryable`, is rolled
//! back and run again as a whole (jobs are `FnMut`), a few times with a growing pause.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use tokio::runtime::Handle;
use tokio::sync::{Mutex, broadcast, mpsc, oneshot};

use super::db::Db;
use super::events::{JOBS_CHANNEL, PendingEvent, write_pending};
use super::follower::Follower;
use super::tx::{Lock, PostgresTx};
use crate::error::AppError;
use crate::secrets::SecretCipher;
use crate::store::{BoxAny, Committed, LogEvent, StoreError, WriteJob};

/// Upper bound on jobs per commit: each job is a subtransaction, and PostgreSQL keeps the
/// ids of only 64 of them in shared memory before other sessions' snapshots slow down.
const MAX_BATCH: usize = 60;
/// Runs of one batch before its callers hear the failure.
const MAX_ATTEMPTS: u32 = 5;

pub struct WriteRequest {
    pub job: WriteJob,
    pub reply: Reply,
}

/// What every writer of a store shares.
pub struct Writers {
    pub rt: Handle,
    pub pool: Pool,
    pub cipher: Arc<SecretCipher>,
    pub follower: Arc<Follower>,
    pub commits: broadcast::Sender<Committed>,
    pub queue: Mutex<mpsc::Receiver<WriteRequest>>,
}

pub fn spawn(writers: Arc<Writers>, count: usize) -> Result<(), StoreError> {
    for n in 0..count {
        let writers = writers.clone();
        std::thread::Builder::new()
            .name(format!("pg-writer-{n}"))
            .spawn(move || writers.run())
            .map_err(|e| StoreError::backend(format!("cannot start a writer thread: {e}")))?;
    }
    Ok(())
}

/// Why a batch did not commit.
enum Failed {
    /// Running it again may succeed.
    Retry(StoreError),
    /// Its callers hear this.
    Final(AppError),
    /// Run without savepoints, a job failed: the batch runs again with them.
    NeedsSavepoints,
    /// Run without savepoints, the batch's only job was refused: its caller hears this.
    Refused(AppError),
}

/// A committed batch: the answers and the events it logged.
struct Done {
    answers: Vec<Result<BoxAny, AppError>>,
    events: Vec<LogEvent>,
    jobs_enqueued: bool,
}

impl Writers {
    fn run(&self) {
        let mut batch: Vec<WriteRequest> = Vec::with_capacity(MAX_BATCH);
        loop {
            let open = self.rt.block_on(async {
                let mut queue = self.queue.lock().await;
                let Some(first) = queue.recv().await else {
                    return false;
                };
                batch.push(first);
                while batch.len() < MAX_BATCH {
                    match queue.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                true
            });
            if !open {
                break;
            }
            self.commit(&mut batch);
        }
        tracing::debug!("writer thread stopped: all store handles dropped");
    }

    /// Runs the batch until it commits or fails for good, then answers every caller.
    fn commit(&self, batch: &mut Vec<WriteRequest>) {
        // Runs that met a conflict count as attempts; the switch to savepoints does not.
        let mut attempt = 1;
        let mut savepoints = false;
        let outcome = loop {
            match self.run_batch(batch, savepoints) {
                Ok(done) => break Ok(done),
                Err(Failed::NeedsSavepoints) => savepoints = true,
                Err(Failed::Refused(e)) => {
                    if let Some(req) = batch.pop() {
                        let _ = req.reply.send(Err(e));
                    }
                    return;
                }
                Err(Failed::Retry(e)) if attempt < MAX_ATTEMPTS => {
                    tracing::debug!(error = %e, attempt, "write batch conflicted; running it again");
                    // Spread the retries of batches that collided.
                    let jitter = u64::from(rand::random::<u8>() % 8);
                    std::thread::sleep(Duration::from_millis((2 << attempt) + jitter));
                    attempt += 1;
                }
                Err(Failed::Retry(e)) => {
                    tracing::warn!(error = %e, attempt, "write batch kept conflicting; giving up");
                    break Err(AppError::busy(
                        "The database is busy with conflicting changes; try again.",
                        1,
                    ));
                }
                Err(Failed::Final(e)) => break Err(e),
            }
        };
        let replies = batch.drain(..).map(|r| r.reply);
        match outcome {
            Ok(done) => {
                if done.jobs_enqueued {
                    let _ = self.commits.send(Committed::JobsEnqueued);
                }
                let last = done.events.last().map(|e| e.seq);
                let answers: Vec<_> = replies.zip(done.answers).collect();
                match last {
                    None => answer(answers),
                    Some(last) => {
                        self.follower.committed(done.events);
                        let follower = self.follower.clone();
                        // Publish before answering, so a client that hears "done" and then
                        // subscribes cannot miss the event; the writer goes on meanwhile.
                        self.rt.spawn(async move {
                            follower.published_up_to(last).await;
                            answer(answers);
                        });
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e.message, "a write batch failed; it was rolled back");
                for reply in replies {
                    let _ = reply.send(Err(AppError {
                        code: e.code,
                        message: e.message.clone(),
                        retry_after: e.retry_after,
                        cause: None,
                    }));
                }
            }
        }
    }

    fn run_batch(&self, batch: &mut [WriteRequest], savepoints: bool) -> Result<Done, Failed> {
        let client = self.rt.block_on(self.pool.get()).map_err(|e| {
            Failed::Retry(StoreError::backend(format!("no database connection: {e}")))
        })?;
        let db = Db::new(&client, &self.rt);
        let result = if savepoints {
            self.run_in_transaction(&db, batch)
        } else {
            self.run_plainly(&db, batch)
        };
        if result.is_err() && db.batch("ROLLBACK").is_err() {
            // A connection in an unknown state never goes back to the pool.
            drop(deadpool_postgres::Object::take(client));
        }
        result
    }

    /// One run of a job: its answer (or its panic) with the events and jobs it added. The
    /// database aborts the whole transaction on a deadlock or a serialization failure, whatever
    /// the job made of the error: then the batch runs again.
    fn run_job(&self, db: &Db<'_>, job: &mut WriteJob) -> Result<JobRun, Failed> {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut tx = PostgresTx::new(db, &self.cipher, Lock::ForUpdate);
            let result = job(&mut tx);
            (result, tx.appended, tx.jobs_enqueued)
        }));
        if db.retryable() {
            return Err(Failed::Retry(StoreError::backend(
                "a concurrent transaction got in the way",
            )));
        }
        Ok(outcome)
    }

    /// The batch in one transaction without savepoints; any failed job stops it (see the
    /// module comment).
    fn run_plainly(&self, db: &Db<'_>, batch: &mut [WriteRequest]) -> Result<Done, Failed> {
        step(db, db.batch("BEGIN"))?;
        let alone = batch.len() == 1;
        let mut answers = Vec::with_capacity(batch.len());
        let mut pending: Vec<PendingEvent> = Vec::new();
        let mut jobs_enqueued = false;
        for req in batch.iter_mut() {
            match self.run_job(db, &mut req.job)? {
                Ok((Ok(value), appended, enqueued)) => {
                    pending.extend(appended);
                    jobs_enqueued |= enqueued;
                    answers.push(Ok(value));
                }
                Ok((Err(e), _, _)) if alone && !e.is_retryable() => {
                    return Err(Failed::Refused(e));
                }
                Ok((Err(_), _, _)) | Err(_) => return Err(Failed::NeedsSavepoints),
            }
        }
        self.finish(db, answers, pending, jobs_enqueued)
    }

    fn run_in_transaction(&self, db: &Db<'_>, batch: &mut [WriteRequest]) -> Result<Done, Failed> {
        let step = |r: Result<(), StoreError>| step(db, r);
        step(db.batch("BEGIN"))?;
        let mut answers = Vec::with_capacity(batch.len());
        let mut pending: Vec<PendingEvent> = Vec::new();
        let mut jobs_enqueued = false;
        for req in batch.iter_mut() {
            let mut run = 1;
            let outcome = loop {
                step(db.batch("SAVEPOINT job"))?;
                let outcome = self.run_job(db, &mut req.job)?;
                // A job that answered Retryable by itself runs again alone, in a fresh
                // savepoint, as on SQLite.
                match &outcome {
                    Ok((Err(e), _, _)) if e.is_retryable() && run < MAX_ATTEMPTS => {
                        rollback_job(db)?;
                        std::thread::sleep(Duration::from_millis(2 << run));
                        run += 1;
                    }
                    _ => break outcome,
                }
            };
            match outcome {
                Ok((Ok(value), appended, enqueued)) => {
                    step(db.batch("RELEASE SAVEPOINT job"))?;
                    pending.extend(appended);
                    jobs_enqueued |= enqueued;
                    answers.push(Ok(value));
                }
                Ok((Err(err), _, _)) => {
                    rollback_job(db)?;
                    answers.push(Err(err));
                }
                Err(_) => {
                    rollback_job(db)?;
                    answers.push(Err(AppError::internal(
                        "applying a change",
                        "a write job panicked; its changes were rolled back",
                    )));
                }
            }
        }
        self.finish(db, answers, pending, jobs_enqueued)
    }

    /// Numbers and logs the batch's events, notifies, and commits.
    fn finish(
        &self,
        db: &Db<'_>,
        answers: Vec<Result<BoxAny, AppError>>,
        pending: Vec<PendingEvent>,
        jobs_enqueued: bool,
    ) -> Result<Done, Failed> {
        // Before the events: from numbering them to the commit, the log head stays locked.
        if jobs_enqueued {
            step(
                db,
                db.execute("SELECT pg_notify($1, '')", &[&JOBS_CHANNEL])
                    .map(|_| ()),
            )?;
        }
        let events = if pending.is_empty() {
            Vec::new()
        } else {
            write_pending(db, pending).map_err(|e| failure(db, e))?
        };
        // Past this point a failure leaves the outcome unknown (the commit may have landed),
        // so it is never retried.
        db.batch("COMMIT")
            .map_err(|e| Failed::Final(AppError::internal("committing to the database", e)))?;
        Ok(Done {
            answers,
            events,
            jobs_enqueued,
        })
    }
}

type Reply = oneshot::Sender<Result<BoxAny, AppError>>;

/// What one run of a job came to (`Err`: it panicked).
type JobRun = std::thread::Result<(Result<BoxAny, AppError>, Vec<PendingEvent>, bool)>;

/// Undoes a job's savepoint, and what the connection remembered from inside it.
fn rollback_job(db: &Db<'_>) -> Result<(), Failed> {
    db.forget_config();
    step(
        db,
        db.batch("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job"),
    )
}

/// A statement's failure: retryable when the database says so.
fn failure(db: &Db<'_>, e: StoreError) -> Failed {
    if db.retryable() {
        Failed::Retry(e)
    } else {
        Failed::Final(AppError::from(e))
    }
}

fn step(db: &Db<'_>, r: Result<(), StoreError>) -> Result<(), Failed> {
    r.map_err(|e| failure(db, e))
}

fn answer(answers: Vec<(Reply, Result<BoxAny, AppError>)>) {
    for (reply, result) in answers {
        // A caller that went away (timeout, closed connection) no longer listens.
        let _ = reply.send(result);
    }
}
