//! Inbound webhook throughput: release messenger-server instances on loopback, each webhook
//! answered 200 only once durable (SQLite: synchronous=FULL with group commit; PostgreSQL: its
//! commit), 64 concurrent senders posting one message per request across 1,000 contacts for a
//! fixed time. SQLite is reported next to the raw SQLite rate of the same disk; PostgreSQL with
//! one instance and with two on the same database (senders split between them).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::backend::{Backend, Workspace};
use crate::report::Report;
use crate::sqlite_baseline;

const SENDERS: usize = 64;
const CONTACTS: u64 = 1000;
const RUN_FOR: Duration = Duration::from_secs(10);

/// Acknowledged messages per second of one run.
struct Rate {
    per_second: f64,
    acknowledged: u64,
    errors: u64,
    seconds: f64,
}

impl Rate {
    fn text(&self) -> String {
        format!(
            "{:.0}/s ({} in {:.1} s, {} errors)",
            self.per_second, self.acknowledged, self.seconds, self.errors
        )
    }
}

/// SQLite: the raw insert rates of this disk, then the server's durable webhook rate.
pub async fn run(report: &mut Report) -> anyhow::Result<()> {
    println!(
        "webhooks (SQLite): {SENDERS} concurrent senders for {} s",
        RUN_FOR.as_secs()
    );
    let dir = tempfile::tempdir()?;
    let one = sqlite_baseline::insert_rate(dir.path(), 1, 2_000)?;
    let hundred = sqlite_baseline::insert_rate(dir.path(), 100, 200_000)?;
    report.add(
        "raw SQLite insert, 1 message+event per fsync'd commit",
        format!("{one:.0}/s"),
        "",
    );
    report.add(
        "raw SQLite insert, 100 messages+events per fsync'd commit",
        format!("{hundred:.0}/s"),
        "",
    );
    let ws = Workspace::start(&Backend::Sqlite, 1, "webhooks").await?;
    let rate = measure(&ws).await?;
    report.add(
        format!(
            "SQLite: inbound webhook messages, {SENDERS} senders, durable (each 200 after fsync)"
        ),
        rate.text(),
        "≥ 20,000/s",
    );
    Ok(())
}

/// PostgreSQL: one instance, then two on one database.
pub async fn run_postgres(report: &mut Report) -> anyhow::Result<()> {
    let backend = match Backend::postgres() {
        Ok(b) => b,
        Err(why) => {
            println!("webhooks on PostgreSQL skipped: {why}");
            report.add(
                "PostgreSQL: inbound webhook messages",
                format!("skipped: {why}"),
                "",
            );
            return Ok(());
        }
    };
    println!(
        "webhooks (PostgreSQL): {SENDERS} concurrent senders for {} s, one instance then two",
        RUN_FOR.as_secs()
    );
    let one = {
        let ws = Workspace::start(&backend, 1, "webhooks1").await?;
        measure(&ws).await?
    };
    report.add(
        format!("PostgreSQL, 1 instance: inbound webhook messages, {SENDERS} senders, durable"),
        one.text(),
        "≥ 10,000/s",
    );
    let two = {
        let ws = Workspace::start(&backend, 2, "webhooks2").await?;
        measure(&ws).await?
    };
    report.add(
        format!("PostgreSQL, 2 instances: inbound webhook messages, {SENDERS} senders split"),
        format!(
            "{} = {:.2}× one instance",
            two.text(),
            two.per_second / one.per_second.max(1.0)
        ),
        "≥ 1.6× one instance",
    );
    Ok(())
}

/// Warms up 1,000 contacts, then lets the senders (spread over the instances) post for
/// [`RUN_FOR`]; counts only 200 answers.
async fn measure(ws: &Workspace) -> anyhow::Result<Rate> {
    let urls = ws.webhook_urls();
    let sender = ws.sender();
    // Warm up: create the contacts first, so the run measures steady-state messages.
    for c in 0..CONTACTS {
        let body = sender.body(&format!("c{c}"), &format!("warm-{c}"), "hi", 1);
        sender.post(&urls[c as usize % urls.len()], body).await?;
    }
    let count = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + RUN_FOR;
    let started = Instant::now();
    let tasks: Vec<_> = (0..SENDERS)
        .map(|s| {
            let url = urls[s % urls.len()].clone();
            let (sender, count, errors) = (sender.clone(), count.clone(), errors.clone());
            tokio::spawn(async move {
                let mut i = 0u64;
                while Instant::now() < deadline {
                    i += 1;
                    let contact = format!("c{}", (i * SENDERS as u64 + s as u64) % CONTACTS);
                    let body = sender.body(
                        &contact,
                        &format!("b{s}-{i}"),
                        "hello there, a message of typical length",
                        1,
                    );
                    match sender.post(&url, body).await {
                        Ok(()) => count.fetch_add(1, Ordering::Relaxed),
                        Err(_) => errors.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    for t in tasks {
        t.await?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let acknowledged = count.load(Ordering::Relaxed);
    Ok(Rate {
        per_second: acknowledged as f64 / seconds,
        acknowledged,
        errors: errors.load(Ordering::Relaxed),
        seconds,
    })
}
