//! Catch-up through `/sync`: 100,000 events written through webhooks (spread over the
//! instances), then read by one client page after page (`limit=5000`, the largest page) from
//! the last instance, each page parsed as JSON; events per second of the whole read.

use std::time::Instant;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use crate::backend::{Backend, Workspace};
use crate::report::Report;

const EVENTS: i64 = 100_000;
const PAGE: usize = 5000;
/// Messages per webhook (the most one carries); each makes a message and a contact event.
const PER_WEBHOOK: usize = 100;
const POSTERS: usize = 16;

pub async fn run(report: &mut Report) -> anyhow::Result<()> {
    run_on(&Backend::Sqlite, 1, report).await
}

pub async fn run_postgres(report: &mut Report) -> anyhow::Result<()> {
    match Backend::postgres() {
        Ok(backend) => run_on(&backend, 2, report).await,
        Err(why) => {
            println!("sync catch-up on PostgreSQL skipped: {why}");
            report.add(
                "PostgreSQL: catch-up of 100,000 events through /sync",
                format!("skipped: {why}"),
                "",
            );
            Ok(())
        }
    }
}

#[derive(Deserialize)]
struct Page {
    events: Vec<IgnoredAny>,
    next_seq: i64,
    has_more: bool,
}

async fn head(ws: &Workspace, base: &str) -> anyhow::Result<i64> {
    let page: Value = ws
        .http
        .get(format!("{base}/api/v1/sync?since=0&limit=1"))
        .bearer_auth(&ws.owner_token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(page["head_seq"].as_i64().unwrap_or(0))
}

async fn run_on(backend: &Backend, instances: usize, report: &mut Report) -> anyhow::Result<()> {
    println!(
        "sync catch-up ({}, {instances} instance(s)): {EVENTS} events, pages of {PAGE}",
        backend.name()
    );
    let ws = Workspace::start(backend, instances, "catchup").await?;
    let bases = ws.base_urls();
    let reader = bases[instances - 1].clone();
    let urls = ws.webhook_urls();
    let sender = ws.sender();
    let start = head(&ws, &reader).await?;
    let mut round = 0usize;
    while head(&ws, &reader).await? - start < EVENTS {
        let posts = (0..POSTERS).map(|p| {
            let n = round * POSTERS + p;
            let body = sender.body(
                &format!("k{}", n % 500),
                &format!("m{n}"),
                "catching up on the history of a busy workspace",
                PER_WEBHOOK,
            );
            sender.post(&urls[n % urls.len()], body)
        });
        futures::future::try_join_all(posts).await?;
        round += 1;
    }

    let started = Instant::now();
    let (mut since, mut read, mut pages) = (start, 0usize, 0usize);
    loop {
        let page: Page = ws
            .http
            .get(format!("{reader}/api/v1/sync?since={since}&limit={PAGE}"))
            .bearer_auth(&ws.owner_token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        read += page.events.len();
        pages += 1;
        since = page.next_seq;
        if !page.has_more {
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    report.add(
        format!(
            "{}, {instances} instance(s): catch-up through /sync (pages of {PAGE}, parsed)",
            backend.name()
        ),
        format!(
            "{:.0} events/s ({read} events in {pages} pages, {secs:.2} s)",
            read as f64 / secs
        ),
        "≥ 100,000/s",
    );
    Ok(())
}
