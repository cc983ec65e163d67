//! Jobs claimed with leases, as several instances claim them: concurrent claimers get
//! disjoint jobs, a lease keeps a job from everyone else until it ends (or is renewed by its
//! holder), an expired lease is taken over, and a finished job is never claimed again.

use std::collections::BTreeSet;
use std::sync::Arc;

use messenger_protocol::Timestamp;
use messenger_server::store::{JobRecord, Store};

use super::bed::Bed;
use super::workspace::{self, at_once};

const JOBS: usize = 40;
const CLAIMERS: usize = 6;

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(workspace::now().millis() + ms).unwrap()
}

async fn enqueue(store: &Arc<dyn Store>, payload: &str) -> i64 {
    let payload = payload.to_owned();
    store
        .write(move |tx| Ok(tx.enqueue_job("conformance", &payload, workspace::now())?))
        .await
        .unwrap()
}

/// `owner` claims up to `limit` jobs at `now` (ms after the cases' now) until `until`.
async fn claim(
    store: &Arc<dyn Store>,
    owner: &str,
    now: i64,
    until: i64,
    limit: usize,
) -> Vec<i64> {
    let owner = owner.to_owned();
    store
        .write(move |tx| Ok(tx.claim_jobs(&owner, at(now), at(until), limit)?))
        .await
        .unwrap()
        .iter()
        .map(|j: &JobRecord| j.id)
        .collect()
}

pub async fn concurrent_claimers_never_get_the_same_job(bed: Bed) {
    let store = bed.handle(0);
    let mut all = BTreeSet::new();
    for i in 0..JOBS {
        all.insert(enqueue(&store, &format!("job {i}")).await);
    }
    let claimed = at_once(&bed, CLAIMERS, move |c, store| async move {
        let owner = format!("instance-{c}");
        let mut mine = Vec::new();
        loop {
            let got = claim(&store, &owner, 0, 60_000, 3).await;
            if got.is_empty() {
                return mine;
            }
            mine.extend(got);
        }
    })
    .await;
    let mut seen = BTreeSet::new();
    for (c, ids) in claimed.iter().enumerate() {
        for id in ids {
            assert!(
                seen.insert(*id),
                "{}: job {id} was claimed twice (claimer {c} among others): {claimed:?}",
                bed.store
            );
        }
    }
    assert_eq!(seen, all, "{}: every due job was claimed once", bed.store);
    assert!(
        store
            .read(|tx| Ok(tx.due_jobs(at(1000), 100)?))
            .await
            .unwrap()
            .is_empty(),
        "{}: leased jobs are not due for anyone else",
        bed.store
    );
}

pub async fn an_expired_lease_is_taken_over_and_a_renewed_one_is_not(bed: Bed) {
    let (a, b) = (bed.handle(0), bed.handle(1));
    let job = enqueue(&a, "deliver").await;
    assert_eq!(claim(&a, "A", 0, 1_000, 10).await, vec![job]);
    assert!(
        claim(&b, "B", 500, 1_500, 10).await.is_empty(),
        "{}: a live lease keeps the job from B",
        bed.store
    );
    let renewed = a
        .write(move |tx| Ok(tx.renew_job_leases("A", &[job], at(10_000))?))
        .await
        .unwrap();
    assert_eq!(renewed, 1, "{}: A still held its lease", bed.store);
    assert!(
        claim(&b, "B", 2_000, 3_000, 10).await.is_empty(),
        "{}: a renewed lease keeps the job from B",
        bed.store
    );
    assert_eq!(
        claim(&b, "B", 11_000, 12_000, 10).await,
        vec![job],
        "{}: B takes the job over once A's lease has expired",
        bed.store
    );
    let renewed = a
        .write(move |tx| Ok(tx.renew_job_leases("A", &[job], at(100_000))?))
        .await
        .unwrap();
    assert_eq!(
        renewed, 0,
        "{}: A no longer holds the lease B took",
        bed.store
    );
    assert_eq!(
        claim(&a, "C", 13_000, 14_000, 10).await,
        vec![job],
        "{}: A's late renewal did not extend B's lease",
        bed.store
    );
}

pub async fn a_finished_job_is_never_claimed_again_and_a_retried_one_is_free(bed: Bed) {
    let (a, b) = (bed.handle(0), bed.handle(1));
    let done = enqueue(&a, "done").await;
    let retried = enqueue(&a, "retried").await;
    let mut got = claim(&a, "A", 0, 3_600_000, 10).await;
    got.sort_unstable();
    assert_eq!(got, vec![done, retried]);
    a.write(move |tx| Ok(tx.finish_job(done)?)).await.unwrap();
    a.write(move |tx| Ok(tx.retry_job(retried, at(60_000), "503", None)?))
        .await
        .unwrap();
    assert!(
        claim(&b, "B", 30_000, 40_000, 10).await.is_empty(),
        "{}: a retried job waits for its time",
        bed.store
    );
    assert_eq!(
        claim(&b, "B", 60_000, 70_000, 10).await,
        vec![retried],
        "{}: a retry frees the lease: B claims it at its time, long before A's lease would end",
        bed.store
    );
    b.write(move |tx| Ok(tx.finish_job(retried)?))
        .await
        .unwrap();
    assert!(
        claim(&b, "B", 86_400_000, 86_500_000, 10).await.is_empty(),
        "{}: finished jobs never come back",
        bed.store
    );
}
