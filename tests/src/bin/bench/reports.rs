//! Report query time over 1,000,000 closed conversations: the facts are written straight into
//! the server's database (the schema the server created), then a release server loads them and
//! answers `GET /reports/conversations` for the whole year, over HTTP.

use std::time::{Duration, Instant};

use messenger_e2e::ServerProcess;
use rusqlite::{Connection, params};
use serde_json::{Value, json};

use crate::report::Report;

const CONVERSATIONS: i64 = 1_000_000;
const YEAR_START_MS: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

pub async fn run(report: &mut Report) -> anyhow::Result<()> {
    println!("reports: {CONVERSATIONS} closed conversations");
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("server");
    std::fs::create_dir_all(&data)?;
    ServerProcess::add_user(
        &data,
        "bench@example.com",
        "Bench",
        "bench-password",
        "owner",
    )?;
    seed(&data.join("messenger.db"))?;

    let started = Instant::now();
    let server = ServerProcess::start(&data, &dir.path().join("server.log"))?;
    let load = started.elapsed();
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{}/api/v1/auth/login", server.base_url))
        .json(&json!({"email": "bench@example.com", "password": "bench-password"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().unwrap_or_default().to_owned();
    let url = format!(
        "{}/api/v1/reports/conversations?from=2026-01-01&to=2026-12-31",
        server.base_url
    );
    let mut times = Vec::new();
    let mut last = Value::Null;
    for _ in 0..21 {
        let t = Instant::now();
        last = http
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        times.push(t.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    let worst = times[times.len() - 1];
    report.add(
        "server start with 1M reporting facts (load into memory)",
        format!("{:.2} s", load.as_secs_f64()),
        "",
    );
    report.add(
        "report query over 1,000,000 closed conversations (a whole year, by user and by day), HTTP round trip",
        format!("median {} ms, worst {} ms of 21 (closed = {})", ms(median), ms(worst), last["closed"]),
        "≤ 100 ms",
    );
    drop(server);
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// One fact per conversation spread over 2026 with ten agents; realistic durations.
fn seed(db: &std::path::Path) -> anyhow::Result<()> {
    let conn = Connection::open(db)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    let tx = conn.unchecked_transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO conversation_facts (conversation_id, opened_at, opened_assignee, first_response_at, responder_id, closed_at, resolver_id)
             VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?4)",
        )?;
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            // xorshift: deterministic, fast, good enough for spreading values.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for id in 1..=CONVERSATIONS {
            let opened = YEAR_START_MS + (next() % (364 * 86_400_000)) as i64;
            let frt = 10_000 + (next() % 3_600_000) as i64;
            let resolution = frt + (next() % (2 * 86_400_000)) as i64;
            let user = 2 + (next() % 10) as i64;
            insert.execute(params![id, opened, opened + frt, user, opened + resolution])?;
        }
    }
    tx.commit()?;
    Ok(())
}
