//! Inbound webhook throughput: a release messenger-server on loopback with its SQLite on disk
//! (synchronous=FULL, group commit), 64 concurrent senders posting one message per request
//! across 1,000 contacts for a fixed time. Reported next to the raw SQLite rate in the same run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use messenger_e2e::ServerProcess;
use serde_json::{Value, json};

use crate::report::Report;
use crate::sqlite_baseline;

const SENDERS: usize = 64;
const RUN_FOR: Duration = Duration::from_secs(10);

pub async fn run(report: &mut Report) -> anyhow::Result<()> {
    println!(
        "webhooks: {SENDERS} concurrent senders for {} s",
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

    let data = dir.path().join("server");
    std::fs::create_dir_all(&data)?;
    ServerProcess::add_user(
        &data,
        "bench@example.com",
        "Bench",
        "bench-password",
        "owner",
    )?;
    let server = ServerProcess::start(&data, &dir.path().join("server.log"))?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(SENDERS)
        .build()?;
    let login: Value = http
        .post(format!("{}/api/v1/auth/login", server.base_url))
        .json(&json!({"email": "bench@example.com", "password": "bench-password"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().unwrap_or_default().to_owned();
    let ch: Value = http
        .post(format!("{}/api/v1/channels", server.base_url))
        .bearer_auth(&token)
        .json(&json!({"name": "Bench", "kind": "custom"}))
        .send()
        .await?
        .json()
        .await?;
    let channel = ch["id"].as_str().unwrap_or_default().to_owned();
    let api_token = ch["credentials"]["api_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let url = format!("{}/api/v1/custom-channel/webhook", server.base_url);

    // Warm up: create the contacts first, so the run measures steady-state messages.
    for c in 0..1000 {
        let body = json!({"channelId": channel, "contactId": format!("c{c}"), "events": [
            {"type": "message", "mId": format!("warm-{c}"), "timestamp": 1, "message": {"type": "text", "text": "hi"}}]});
        http.post(&url)
            .bearer_auth(&api_token)
            .json(&body)
            .send()
            .await?
            .error_for_status()?;
    }

    let count = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + RUN_FOR;
    let started = Instant::now();
    let tasks: Vec<_> = (0..SENDERS)
        .map(|s| {
            let (http, url, api_token, channel, count, errors) =
                (http.clone(), url.clone(), api_token.clone(), channel.clone(), count.clone(), errors.clone());
            tokio::spawn(async move {
                let mut i = 0u64;
                while Instant::now() < deadline {
                    i += 1;
                    let body = json!({"channelId": channel, "contactId": format!("c{}", (i * 64 + s as u64) % 1000), "events": [
                        {"type": "message", "mId": format!("b{s}-{i}"), "timestamp": 1,
                         "message": {"type": "text", "text": "hello there, a message of typical length"}}]});
                    match http.post(&url).bearer_auth(&api_token).json(&body).send().await {
                        Ok(r) if r.status().is_success() => {
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await?;
    }
    let secs = started.elapsed().as_secs_f64();
    let n = count.load(Ordering::Relaxed);
    report.add(
        format!("inbound webhook messages, {SENDERS} senders, durable (each 200 after fsync)"),
        format!(
            "{:.0}/s ({n} in {secs:.1} s, {} errors)",
            n as f64 / secs,
            errors.load(Ordering::Relaxed)
        ),
        "≥ 10,000/s",
    );
    drop(server);
    Ok(())
}
