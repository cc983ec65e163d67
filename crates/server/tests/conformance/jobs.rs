//! The durable job queue: a job is due from its time on, offered until it is finished (never
//! after), and a retry moves it later, counting the failed attempt.

use std::sync::Arc;

use messenger_protocol::Timestamp;
use messenger_server::store::{JobRecord, Store};

use super::bed::Bed;
use super::workspace;

fn later(ms: i64) -> Timestamp {
    Timestamp::from_millis(workspace::now().millis() + ms).unwrap()
}

async fn due(store: &Arc<dyn Store>, at: Timestamp) -> Vec<JobRecord> {
    store
        .read(move |tx| Ok(tx.due_jobs(at, 100)?))
        .await
        .unwrap()
}

async fn enqueue(store: &Arc<dyn Store>, payload: &str, at: Timestamp) -> i64 {
    let payload = payload.to_owned();
    store
        .write(move |tx| Ok(tx.enqueue_job("conformance", &payload, at)?))
        .await
        .unwrap()
}

pub async fn a_job_is_due_until_finished_and_never_after(bed: Bed) {
    let (one, other) = (bed.handle(0), bed.handle(1));
    let now = workspace::now();
    let first = enqueue(&one, "first", now).await;
    let second = enqueue(&other, "second", now).await;
    let tomorrow = enqueue(&one, "tomorrow", later(86_400_000)).await;

    let ids = |jobs: &[JobRecord]| jobs.iter().map(|j| j.id).collect::<Vec<_>>();
    assert_eq!(
        ids(&due(&other, now).await),
        vec![first, second],
        "{}: due now, in order",
        bed.store
    );

    one.write(move |tx| Ok(tx.finish_job(first)?))
        .await
        .unwrap();
    other
        .write(move |tx| Ok(tx.retry_job(second, later(60_000), "provider answered 503", None)?))
        .await
        .unwrap();
    assert!(
        due(&one, now).await.is_empty() && due(&other, now).await.is_empty(),
        "{}: a finished job and one retried later are not due now",
        bed.store
    );

    let in_a_minute = due(&other, later(60_000)).await;
    assert_eq!(
        ids(&in_a_minute),
        vec![second],
        "{}: due after its retry time",
        bed.store
    );
    assert_eq!(
        in_a_minute[0].attempts, 1,
        "{}: the failed attempt counts",
        bed.store
    );
    assert_eq!(
        in_a_minute[0].last_error.as_deref(),
        Some("provider answered 503")
    );

    other
        .write(move |tx| Ok(tx.advance_job(second, later(120_000), "second, step 2")?))
        .await
        .unwrap();
    let advanced = due(&one, later(120_000)).await;
    assert_eq!(ids(&advanced), vec![second], "{}: moved on", bed.store);
    assert_eq!(
        advanced[0].payload, "second, step 2",
        "{}: progress kept",
        bed.store
    );
    assert_eq!(
        advanced[0].attempts, 1,
        "{}: progress is no failed attempt",
        bed.store
    );

    let day_after = due(&one, later(2 * 86_400_000)).await;
    assert_eq!(
        ids(&day_after),
        vec![second, tomorrow],
        "{}: the finished job never comes back",
        bed.store
    );
}
