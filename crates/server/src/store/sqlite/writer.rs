//! The writer thread and its group commit.
//!
//! Every write job runs on this one thread. Jobs that queue up while a commit is being
//! fsync'd are taken together and the batch commits as one transaction with one fsync. A
//! caller hears back only after that commit, so an `Ok` always means "on disk". Events
//! appended by the batch are then published in seq order — which, with one writer, is commit
//! order.
//!
//! One refused job must not undo the others. A batch first runs plainly; only if one of its
//! jobs fails is it rolled back and run again with each job in its own savepoint (jobs may be
//! run again: see `WriteJob`). Savepoints are not the default because each copies every page
//! its job touches into a statement journal, which profiling showed as a tenth of a webhook's
//! cost, while refusals inside a write job are rare.

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
    pub reply: Reply,
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
    match commit_plainly(conn, batch, commits, cipher) {
        Plain::Done => {}
        Plain::NeedsSavepoints => commit_in_savepoints(conn, batch, commits, cipher),
    }
}

/// Starts the batch's transaction; when it cannot, every caller of the batch hears why.
fn begin<'c>(
    conn: &'c mut Connection,
    batch: &mut Vec<WriteRequest>,
) -> Option<rusqlite::Transaction<'c>> {
    match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => Some(tx),
        Err(e) => {
            tracing::error!(error = %e, "cannot start a write transaction");
            for req in batch.drain(..) {
                let _ = req
                    .reply
                    .send(Err(AppError::internal("starting a write transaction", &e)));
            }
            None
        }
    }
}

/// What a batch run without savepoints came to.
enum Plain {
    /// Committed and answered, or answered with the failure that stopped it.
    Done,
    /// A job failed in a batch of several: the transaction was rolled back, nothing answered.
    NeedsSavepoints,
}

/// Runs the whole batch in one transaction without savepoints. When it has only one job,
/// rolling back the transaction undoes exactly that job, so its failure is answered at once
/// (unless another run might succeed).
fn commit_plainly(
    conn: &mut Connection,
    batch: &mut Vec<WriteRequest>,
    commits: &broadcast::Sender<Committed>,
    cipher: &SecretCipher,
) -> Plain {
    let Some(tx) = begin(conn, batch) else {
        return Plain::Done;
    };
    let mut values = Vec::with_capacity(batch.len());
    let mut events: Vec<Arc<LogEvent>> = Vec::new();
    let mut jobs_enqueued = false;
    let alone = batch.len() == 1;
    for req in batch.iter_mut() {
        match run_plain(&tx, cipher, &mut req.job) {
            Ok((Ok(value), appended, enqueued)) => {
                values.push(Ok(value));
                events.extend(appended.into_iter().map(Arc::new));
                jobs_enqueued |= enqueued;
            }
            Ok((Err(e), _, _)) if alone && !e.is_retryable() => {
                drop(tx);
                if let Some(req) = batch.pop() {
                    let _ = req.reply.send(Err(e));
                }
                return Plain::Done;
            }
            // The savepoint run answers it (and retries what may succeed when run again).
            Ok((Err(_), _, _)) | Err(_) => return Plain::NeedsSavepoints,
        }
    }
    let answers = batch.drain(..).map(|req| req.reply).zip(values).collect();
    commit_and_answer(tx, answers, events, jobs_enqueued, commits);
    Plain::Done
}

/// One run of a job, without a savepoint: its answer (or its panic) with the events it
/// appended and whether it enqueued jobs.
fn run_plain(tx: &rusqlite::Transaction<'_>, cipher: &SecretCipher, job: &mut WriteJob) -> JobRun {
    catch_unwind(AssertUnwindSafe(|| {
        let mut stx = SqliteTx::new(tx, cipher);
        let result = job(&mut stx);
        (result, stx.appended, stx.jobs_enqueued)
    }))
}

type JobRun = std::thread::Result<(Result<BoxAny, AppError>, Vec<LogEvent>, bool)>;
type Reply = oneshot::Sender<Result<BoxAny, AppError>>;

/// Commits; then publishes what the batch appended and answers every caller, or tells them
/// all that the commit failed.
fn commit_and_answer(
    tx: rusqlite::Transaction<'_>,
    answers: Vec<(Reply, Result<BoxAny, AppError>)>,
    events: Vec<Arc<LogEvent>>,
    jobs_enqueued: bool,
    commits: &broadcast::Sender<Committed>,
) {
    match tx.commit() {
        Ok(()) => {
            publish(commits, events, jobs_enqueued);
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

/// Publishes what a commit appended; before answering, so a client that hears "done" and then
/// subscribes cannot miss the event (it is in the log either way).
fn publish(
    commits: &broadcast::Sender<Committed>,
    events: Vec<Arc<LogEvent>>,
    jobs_enqueued: bool,
) {
    if !events.is_empty() {
        let _ = commits.send(Committed::Events(events));
    }
    if jobs_enqueued {
        let _ = commits.send(Committed::JobsEnqueued);
    }
}

/// Runs the batch with each job in its own savepoint: a failed job undoes only itself.
fn commit_in_savepoints(
    conn: &mut Connection,
    batch: &mut Vec<WriteRequest>,
    commits: &broadcast::Sender<Committed>,
    cipher: &SecretCipher,
) {
    let Some(tx) = begin(conn, batch) else {
        return;
    };
    let mut answers = Vec::with_capacity(batch.len());
    let mut events: Vec<Arc<LogEvent>> = Vec::new();
    let mut jobs_enqueued = false;
    let mut broken = None;
    let mut replies_left = Vec::new();
    for req in batch.drain(..) {
        if broken.is_some() {
            replies_left.push(req.reply);
            continue;
        }
        match run_job(&tx, cipher, req.job, &mut events, &mut jobs_enqueued) {
            JobOutcome::Done(result) => answers.push((req.reply, result)),
            JobOutcome::BatchBroken(e) => {
                replies_left.push(req.reply);
                broken = Some(e);
            }
        }
    }
    if let Some(e) = broken {
        tracing::error!(error = %e, "a failed job could not be undone; the whole batch was rolled back");
        drop(tx);
        let replies = answers.into_iter().map(|(reply, _)| reply);
        for reply in replies.chain(replies_left) {
            let _ = reply.send(Err(AppError::internal("applying a change", &e)));
        }
        return;
    }
    commit_and_answer(tx, answers, events, jobs_enqueued, commits);
}

/// Runs one job in a savepoint: its changes (and events) stay only if it succeeds. A job that
/// failed because a concurrent transaction got in the way runs again, a few times.
fn run_job(
    tx: &rusqlite::Transaction<'_>,
    cipher: &SecretCipher,
    mut job: WriteJob,
    events: &mut Vec<Arc<LogEvent>>,
    jobs_enqueued: &mut bool,
) -> JobOutcome {
    let mut attempt = 1;
    loop {
        match run_once(tx, cipher, &mut job, events, jobs_enqueued) {
            JobOutcome::Done(Err(e)) if e.is_retryable() && attempt < MAX_ATTEMPTS => {
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

/// One run of a job in a savepoint.
///
/// The savepoint statements come from the connection's statement cache (rusqlite's
/// `Savepoint` parses its SQL anew each time). Should undoing a failed job fail, the state of
/// the whole transaction is unknown: that is reported as [`JobOutcome::BatchBroken`] and the
/// caller rolls the batch back.
fn run_once(
    tx: &rusqlite::Transaction<'_>,
    cipher: &SecretCipher,
    job: &mut WriteJob,
    events: &mut Vec<Arc<LogEvent>>,
    jobs_enqueued: &mut bool,
) -> JobOutcome {
    if let Err(e) = savepoint(tx, "SAVEPOINT job") {
        return JobOutcome::Done(Err(AppError::from(StoreError::from(e))));
    }
    let result = match run_plain(tx, cipher, job) {
        Ok((Ok(value), appended, enqueued)) => match savepoint(tx, "RELEASE job") {
            Ok(()) => {
                events.extend(appended.into_iter().map(Arc::new));
                *jobs_enqueued |= enqueued;
                return JobOutcome::Done(Ok(value));
            }
            Err(e) => Err(AppError::from(StoreError::from(e))),
        },
        Ok((Err(err), _, _)) => Err(err),
        Err(_) => Err(AppError::internal(
            "applying a change",
            "a write job panicked; its changes were rolled back",
        )),
    };
    match savepoint(tx, "ROLLBACK TO job").and_then(|()| savepoint(tx, "RELEASE job")) {
        Ok(()) => JobOutcome::Done(result),
        Err(e) => JobOutcome::BatchBroken(e),
    }
}

fn savepoint(tx: &rusqlite::Transaction<'_>, sql: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(sql)?.execute([]).map(|_| ())
}

enum JobOutcome {
    Done(Result<BoxAny, AppError>),
    /// A failed job could not be undone: nothing of the batch may commit.
    BatchBroken(rusqlite::Error),
}

#[cfg(test)]
mod tests {
    use crate::error::AppError;
    use crate::secrets::SecretKeySetting;
    use crate::store::Store;
    use crate::store::sqlite::SqliteStore;

    fn open(dir: &std::path::Path) -> std::sync::Arc<dyn Store> {
        std::sync::Arc::new(
            SqliteStore::open(&dir.join("m.db"), &SecretKeySetting::DataDir, dir).unwrap(),
        )
    }

    /// Jobs of one group commit: the refused and the panicking ones leave nothing behind, the
    /// others all commit, and a later batch still works (the savepoints were released).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_job_undoes_only_itself_within_a_batch() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let writes = (0..60).map(|i| {
            let store = store.clone();
            async move {
                store
                    .write(move |tx| {
                        tx.put_meta(&format!("k{i}"), "v")?;
                        match i % 3 {
                            0 => Ok(()),
                            1 => Err(AppError::invalid("refused after writing")),
                            _ if i == 2 => panic!("a job that panics"),
                            _ => Ok(()),
                        }
                    })
                    .await
            }
        });
        let results = futures::future::join_all(writes).await;
        for (i, r) in results.iter().enumerate() {
            assert_eq!(r.is_ok(), i % 3 != 1 && i != 2, "job {i}: {r:?}");
        }
        let stored: Vec<bool> = store
            .read(|tx| {
                (0..60)
                    .map(|i| Ok(tx.meta(&format!("k{i}"))?.is_some()))
                    .collect::<Result<_, AppError>>()
            })
            .await
            .unwrap();
        for (i, s) in stored.iter().enumerate() {
            assert_eq!(*s, i % 3 != 1 && i != 2, "k{i}");
        }
        store
            .write(|tx| Ok(tx.put_meta("after", "v")?))
            .await
            .unwrap();
    }
}
