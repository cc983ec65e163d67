//! Runs a fired workflow from the durable queue. Each step is one transaction that also
//! records the run's progress, so a crash between steps resumes at the next step and a step
//! never runs twice. A step the rules refuse (the conversation is already open, say) is logged
//! and skipped; the run goes on.

use crate::app::AppState;
use crate::domain::workflow_steps;
use crate::domain::workflows::Run;
use crate::error::AppError;
use crate::jobs::Outcome;
use crate::store::JobRecord;

enum Progress {
    More(Run),
    Finished,
}

pub async fn run(state: &AppState, job: &JobRecord) -> Outcome {
    run_steps(state, job, usize::MAX).await
}

/// Runs at most `max_steps` steps (the rest stay queued with the run's progress).
pub async fn run_steps(state: &AppState, job: &JobRecord, max_steps: usize) -> Outcome {
    let mut run: Run = match serde_json::from_str(&job.payload) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(job = job.id, error = %e, "unreadable workflow run; dropping it");
            let id = job.id;
            let _ = state
                .store
                .write(move |tx| tx.finish_job(id).map_err(Into::into))
                .await;
            return Outcome::Done;
        }
    };
    for _ in 0..max_steps {
        match step(state, job.id, run.clone(), false).await {
            Ok(Progress::More(next)) => run = next,
            Ok(Progress::Finished) => return Outcome::Done,
            Err(e) if e.status().is_client_error() => {
                tracing::warn!(workflow = %run.workflow_id, step = run.next_step, error = %e, "workflow step refused; skipping it");
                match step(state, job.id, run.clone(), true).await {
                    Ok(Progress::More(next)) => run = next,
                    Ok(Progress::Finished) => return Outcome::Done,
                    Err(e) => {
                        return Outcome::Retry {
                            error: e.message,
                            payload: None,
                        };
                    }
                }
            }
            Err(e) => {
                return Outcome::Retry {
                    error: e.message,
                    payload: None,
                };
            }
        }
    }
    Outcome::Paused
}

/// One step in one transaction, with the run's progress; `skip` only records the progress.
async fn step(state: &AppState, job_id: i64, run: Run, skip: bool) -> Result<Progress, AppError> {
    let now = state.clock.now();
    state
        .store
        .write(move |tx| {
            // Each run of the transaction starts from the progress it was given.
            let mut run = run.clone();
            let workflow = tx.workflow(&run.workflow_id)?.filter(|w| w.enabled);
            let contact = tx.contact(&run.contact_id)?;
            let (Some(workflow), Some(mut contact)) = (workflow, contact) else {
                // Deleted or disabled meanwhile, or the contact was merged away: stop.
                tx.finish_job(job_id)?;
                return Ok(Progress::Finished);
            };
            if run.next_step >= workflow.steps.len() {
                tx.finish_job(job_id)?;
                return Ok(Progress::Finished);
            }
            if !skip {
                workflow_steps::run_step(tx, &workflow, run.next_step, &mut contact, now)?;
            }
            run.next_step += 1;
            if run.next_step >= workflow.steps.len() {
                tx.finish_job(job_id)?;
                return Ok(Progress::Finished);
            }
            let payload = serde_json::to_string(&run)
                .map_err(|e| AppError::internal("saving a workflow run", e))?;
            tx.advance_job(job_id, now, &payload)?;
            Ok(Progress::More(run))
        })
        .await
}
