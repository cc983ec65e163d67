//! The durable job queue's runner. Jobs are rows of the store; the runner claims the due ones
//! with a lease (so that of several instances on one database exactly one runs each job),
//! renews the leases while the jobs run, and reschedules failures with exponential backoff
//! until a kind's handler gives up. A job whose handler finished is removed in the same
//! transaction as its result, so a crash re-runs unfinished work and never loses it: when an
//! instance dies, its leases expire and another instance takes its jobs over.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use tokio::sync::{Notify, Semaphore, broadcast};

use crate::app::AppState;
use crate::automation::{integration_delivery, workflow_runner};
use crate::channel::{avatar, bot, delivery, fetch};
use crate::domain::{inbound, integrations, outgoing, workflows};
use crate::store::{Committed, JobRecord};

/// Jobs one instance runs at once.
const MAX_RUNNING: usize = 16;

/// What a handler made of one run.
pub enum Outcome {
    /// Finished; the handler removed the job with its result.
    Done,
    /// Progress recorded and the rest left queued: the lease is given back so that any
    /// instance may continue it.
    Paused,
    /// Try again later; `payload` records progress (parts already sent).
    Retry {
        error: String,
        payload: Option<String>,
    },
}

/// How the runner retries.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    pub base: Duration,
    pub max: Duration,
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(2),
            max: Duration::from_secs(600),
            max_attempts: 8,
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempts + 1`, with ±20 % jitter.
    pub fn delay(&self, attempts: u32) -> Duration {
        let exp = self.base.saturating_mul(1u32 << attempts.min(16));
        let capped = exp.min(self.max);
        let jitter = rand::rng().random_range(0.8..1.2);
        capped.mul_f64(jitter)
    }
}

async fn run_one(state: &AppState, job: &JobRecord) -> Outcome {
    match job.kind.as_str() {
        outgoing::DELIVER_JOB => delivery::run(state, job).await,
        inbound::FETCH_JOB => fetch::run(state, job).await,
        inbound::BOT_JOB => bot::run(state, job).await,
        inbound::AVATAR_JOB => avatar::run(state, job).await,
        workflows::WORKFLOW_JOB => workflow_runner::run(state, job).await,
        integrations::INTEGRATION_JOB => integration_delivery::run(state, job).await,
        other => {
            tracing::error!(kind = other, id = job.id, "unknown job kind; dropping it");
            let id = job.id;
            if let Err(e) = state
                .store
                .write(move |tx| tx.finish_job(id).map_err(Into::into))
                .await
            {
                tracing::error!(error = %e, "cannot drop the job");
            }
            Outcome::Done
        }
    }
}

async fn give_up(state: &AppState, job: &JobRecord, error: &str) {
    let result = match job.kind.as_str() {
        outgoing::DELIVER_JOB => delivery::give_up(state, job, error).await,
        inbound::FETCH_JOB => fetch::give_up(state, job, error).await,
        integrations::INTEGRATION_JOB => {
            integration_delivery::give_up(state, job, error).await;
            Ok(())
        }
        _ => {
            tracing::warn!(job = job.id, kind = %job.kind, %error, "a job gave up");
            let id = job.id;
            state
                .store
                .write(move |tx| tx.finish_job(id).map_err(Into::into))
                .await
        }
    };
    if let Err(e) = result {
        tracing::error!(error = %e, job = job.id, "cannot record the failure of a job");
    }
}

/// Runs every job that is due now, once each (for tests that keep the runner off).
pub async fn run_due(state: &AppState) -> usize {
    let now = state.clock.now();
    let Ok(due) = state
        .store
        .read(move |tx| Ok(tx.due_jobs(now, 1000)?))
        .await
    else {
        return 0;
    };
    let n = due.len();
    for job in due {
        process(state.clone(), job).await;
    }
    n
}

async fn process(state: AppState, job: JobRecord) {
    match run_one(&state, &job).await {
        Outcome::Done => {}
        Outcome::Paused => release(&state, job.id).await,
        Outcome::Retry { error, payload } => {
            let policy = &state.config.retry;
            if job.attempts + 1 >= policy.max_attempts {
                tracing::warn!(job = job.id, kind = %job.kind, %error, "giving up");
                give_up(&state, &job, &error).await;
                return;
            }
            let run_at = state.clock.now().plus_millis(
                i64::try_from(policy.delay(job.attempts).as_millis()).unwrap_or(i64::MAX),
            );
            let id = job.id;
            tracing::info!(job = id, kind = %job.kind, %error, attempt = job.attempts + 1, "will retry");
            if let Err(e) = state
                .store
                .write(move |tx| {
                    tx.retry_job(id, run_at, &error, payload.as_deref())
                        .map_err(Into::into)
                })
                .await
            {
                tracing::error!(error = %e, job = id, "cannot reschedule the job");
            }
        }
    }
}

/// Starts the runner; it stops when the store's commit feed closes.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(state))
}

/// Wakes the runner when a commit enqueued jobs (and not for every other commit).
fn watch_enqueues(mut commits: broadcast::Receiver<Committed>, enqueued: Arc<Notify>) {
    tokio::spawn(async move {
        loop {
            match commits.recv().await {
                Ok(Committed::JobsEnqueued) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    enqueued.notify_one();
                }
                Ok(Committed::Events(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

/// Gives a lease back at once (the job stays queued).
async fn release(state: &AppState, id: i64) {
    let (owner, now) = (state.instance_id.clone(), state.clock.now());
    if let Err(e) = state
        .store
        .write(move |tx| Ok(tx.renew_job_leases(&owner, &[id], now)?))
        .await
    {
        tracing::error!(error = %e, job = id, "cannot give a job's lease back");
    }
}

/// The end of a lease taken or renewed now.
fn lease_end(state: &AppState) -> messenger_protocol::Timestamp {
    let lease = i64::try_from(state.config.job_lease.as_millis()).unwrap_or(60_000);
    state.clock.now().plus_millis(lease)
}

/// Renews the leases of the jobs this instance runs, three times per lease.
fn renew_leases(state: AppState, in_flight: Arc<Mutex<HashSet<i64>>>) {
    tokio::spawn(async move {
        let period = (state.config.job_lease / 3).max(Duration::from_millis(50));
        loop {
            tokio::time::sleep(period).await;
            let ids: Vec<i64> = in_flight
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .copied()
                .collect();
            if ids.is_empty() {
                continue;
            }
            let (owner, until) = (state.instance_id.clone(), lease_end(&state));
            let renewed = state
                .store
                .write(move |tx| Ok(tx.renew_job_leases(&owner, &ids, until)?))
                .await;
            if let Err(e) = renewed {
                tracing::error!(error = %e, "cannot renew the leases of running jobs");
            }
            if state.stopping.is_cancelled() {
                return;
            }
        }
    });
}

async fn run(state: AppState) {
    let enqueued = Arc::new(Notify::new());
    watch_enqueues(state.store.subscribe(), enqueued.clone());
    let in_flight: Arc<Mutex<HashSet<i64>>> = Arc::default();
    renew_leases(state.clone(), in_flight.clone());
    let finished = Arc::new(Notify::new());
    let permits = Arc::new(Semaphore::new(MAX_RUNNING));
    loop {
        let free = permits.available_permits();
        let claimed = if free == 0 {
            Ok(Vec::new())
        } else {
            let (owner, now, until) = (
                state.instance_id.clone(),
                state.clock.now(),
                lease_end(&state),
            );
            state
                .store
                .write(move |tx| Ok(tx.claim_jobs(&owner, now, until, free)?))
                .await
        };
        let claimed = match claimed {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(error = %e, "cannot claim jobs from the queue");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        for job in claimed {
            if !in_flight
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(job.id)
            {
                continue;
            }
            let Ok(permit) = permits.clone().acquire_owned().await else {
                return;
            };
            let (state, in_flight, finished) = (state.clone(), in_flight.clone(), finished.clone());
            tokio::spawn(async move {
                let id = job.id;
                process(state, job).await;
                in_flight
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&id);
                drop(permit);
                finished.notify_one();
            });
        }
        // Sleep until a job is enqueued, one finishes, or the next one is due (polled at least
        // every second so that a clock that jumps is noticed).
        let next = state
            .store
            .read(|tx| Ok(tx.next_job_time()?))
            .await
            .ok()
            .flatten();
        let wait_ms = next
            .map(|t| (t.millis() - state.clock.now().millis()).clamp(0, 1000))
            .unwrap_or(1000);
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(u64::try_from(wait_ms).unwrap_or(1000))) => {}
            () = finished.notified() => {}
            () = enqueued.notified() => {}
        }
    }
}
