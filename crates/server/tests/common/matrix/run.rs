//! The matrix's run: every row × caller × visibility, reads before writes, then the event log
//! as two agents read it; the table of what was checked; every mismatch at the end.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use futures::StreamExt;
use futures::future::join_all;
use serde_json::{Value, json};

use super::{Caller, Case, Holder, Visibility, World, excerpt, judge, log};

/// One operation: who may call it, as the cases it expands to for one caller.
pub struct Entry {
    pub method: &'static str,
    pub path: &'static str,
    pub cases: fn(&World, Caller) -> Vec<Case>,
}

/// What one visibility's run found.
struct Run {
    visibility: Visibility,
    /// (operation index, caller) → (cases, mismatches).
    counts: BTreeMap<(usize, Caller), (usize, usize)>,
    mismatches: Vec<String>,
    log_checks: usize,
    /// How many events each log read gave (so an empty read shows).
    events_read: Vec<String>,
    operations: BTreeSet<(String, String)>,
    document_is_public: bool,
}

/// The document's operations, as (METHOD, path).
async fn documented_operations(w: &World) -> BTreeSet<(String, String)> {
    let doc: Value = w.t.openapi().await;
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

async fn run_matrix(w: &World, table: &[Entry], run: &mut Run) {
    let vis = w.visibility.as_str();
    let mut phases: [Vec<(usize, Caller, Case)>; 3] = Default::default();
    for (i, entry) in table.iter().enumerate() {
        for c in Caller::ALL {
            for case in (entry.cases)(w, c) {
                // Reads first, then writes, then the writes that change what others may see.
                let phase = match () {
                    _ if case.late => 2,
                    _ if entry.method == "GET" => 0,
                    _ => 1,
                };
                phases[phase].push((i, c, case));
            }
        }
    }
    for jobs in phases {
        let results: Vec<_> = futures::stream::iter(jobs)
            .map(|(i, c, case)| async move {
                let entry = &table[i];
                let token = case.token.clone().or_else(|| w.token(c));
                let got = w.perform(entry.method, &case, token.as_deref()).await;
                let mismatch = match got {
                    Ok((status, body)) => judge(&case.expect, status, &body)
                        .err()
                        .map(|got| (got, body)),
                    Err(transport) => Some((transport, String::new())),
                }
                .map(|(got, body)| {
                    format!(
                        "{} {} [{}] as {c} ({vis}): expected {}, got {got}: {}",
                        entry.method,
                        case.path,
                        case.target,
                        case.expect,
                        excerpt(&body)
                    )
                });
                (i, c, mismatch)
            })
            .buffer_unordered(8)
            .collect()
            .await;
        for (i, c, mismatch) in results {
            let count = run.counts.entry((i, c)).or_default();
            count.0 += 1;
            if let Some(m) = mismatch {
                count.1 += 1;
                run.mismatches.push(m);
            }
        }
    }
}

async fn run_visibility(v: Visibility, table: &[Entry]) -> Run {
    let w = World::start(v).await;
    let mut run = Run {
        visibility: v,
        counts: BTreeMap::new(),
        mismatches: Vec::new(),
        log_checks: 0,
        events_read: Vec::new(),
        operations: documented_operations(&w).await,
        document_is_public: w
            .http
            .get(w.t.url("/openapi.json"))
            .send()
            .await
            .unwrap()
            .status()
            == 200,
    };
    // Readers: Alice, and Erin, created after every assignment of the fixture. Bob's fixture
    // contact is issue 11's repro: its message arrived while it was unassigned, then it was
    // assigned to Bob, then the visibility changed. The matrix's writes reassign spare contacts
    // while the streams are open, so a stream is checked as its client applies it: what a later
    // `contact.removed` takes away is no leak.
    let readers = [("agent Alice", &w.alice), ("agent Erin", &w.erin)];
    let head = log::head_seq(&w.t).await;
    let mut streams = Vec::new();
    for (_, reader) in &readers {
        streams.push(w.t.stream(&reader.token, 0).await);
    }
    let logged_out = log::logged_out_stream_closes(&w);
    let ((), logged_out) = tokio::join!(run_matrix(&w, table, &mut run), logged_out);
    run.mismatches.extend(logged_out);
    run.log_checks += 1;

    // A marker every reader may see ends the live part.
    w.t.put("/me/status", &w.alice.token, json!({"status": "busy"}))
        .await
        .ok(200);
    let alice_id = w.alice.id.clone();
    let marker = move |e: &Value| {
        e["type"] == "user.upserted"
            && e["data"]["id"] == alice_id.as_str()
            && e["data"]["status"] == "busy"
    };
    for ((name, reader), mut ws) in readers.iter().zip(streams) {
        let hidden = log::hidden_from(&w, reader).await;
        let mut secrets = Vec::new();
        for h in Holder::ALL {
            if hidden.contains_key(&w.fixture[&h].id) {
                secrets.extend(w.fixture[&h].secrets().map(str::to_owned));
            }
        }
        match log::read_until(&mut ws, &marker).await {
            Ok(events) => {
                let (backlog, live): (Vec<Value>, Vec<Value>) = log::as_applied(events)
                    .into_iter()
                    .partition(|e| e["seq"].as_i64().unwrap_or(0) <= head);
                run.events_read.push(format!(
                    "{name}: stream backlog {}, live {}",
                    backlog.len(),
                    live.len()
                ));
                run.mismatches.extend(log::leaks(
                    "GET /stream?since=0 (backlog)",
                    name,
                    &w,
                    &backlog,
                    &hidden,
                    &secrets,
                ));
                run.mismatches.extend(log::leaks(
                    "GET /stream?since=0 (live)",
                    name,
                    &w,
                    &live,
                    &hidden,
                    &secrets,
                ));
            }
            Err(why) => run.mismatches.push(format!(
                "GET /stream?since=0 as {name} ({}): expected every event up to the marker, got {why}",
                v.as_str()
            )),
        }
        match log::sync_all(&w.t, &reader.token).await {
            Ok(events) => {
                run.events_read
                    .push(format!("{name}: /sync {}", events.len()));
                run.mismatches.extend(log::leaks(
                    "GET /sync?since=0",
                    name,
                    &w,
                    &events,
                    &hidden,
                    &secrets,
                ));
            }
            Err(why) => run.mismatches.push(format!(
                "GET /sync?since=0 as {name} ({}): expected 200, got {why}",
                v.as_str()
            )),
        }
        run.log_checks += 3;
    }
    run
}

/// Runs the table under every visibility (one server each, concurrently), checks that it
/// names exactly the document's operations, prints what was checked, and fails with every
/// mismatch.
pub async fn check_every_visibility(table: &[Entry]) {
    let started = Instant::now();
    let runs = join_all(Visibility::ALL.map(|v| run_visibility(v, table))).await;
    let mut mismatches = Vec::new();

    // The document itself needs no token.
    if !runs[0].document_is_public {
        mismatches.push("GET /openapi.json as no token: expected 200, got another answer".into());
    }

    // The table and the document name the same operations.
    let rows: BTreeSet<(String, String)> = table
        .iter()
        .map(|e| (e.method.to_owned(), e.path.to_owned()))
        .collect();
    assert_eq!(rows.len(), table.len(), "an operation has two rows");
    for (method, path) in runs[0].operations.difference(&rows) {
        mismatches.push(format!(
            "new route without an authorization-matrix entry: {method} {path}"
        ));
    }
    for (method, path) in rows.difference(&runs[0].operations) {
        mismatches.push(format!(
            "authorization-matrix entry for a route that no longer exists: {method} {path}"
        ));
    }

    // The table of what was checked: cases per operation and caller, all visibilities.
    let mut out = String::new();
    out.push_str(&format!("{:<40}", "operation \\ caller"));
    for c in Caller::ALL {
        out.push_str(&format!("{:>9}", c.short()));
    }
    out.push('\n');
    let mut total = 0;
    for (i, e) in table.iter().enumerate() {
        out.push_str(&format!("{:<40}", format!("{} {}", e.method, e.path)));
        for c in Caller::ALL {
            let (n, bad) = runs.iter().fold((0, 0), |acc, r| {
                let (n, bad) = r.counts.get(&(i, c)).copied().unwrap_or_default();
                (acc.0 + n, acc.1 + bad)
            });
            total += n;
            let cell = if bad == 0 {
                n.to_string()
            } else {
                format!("{n}!{bad}")
            };
            out.push_str(&format!("{cell:>9}"));
        }
        out.push('\n');
    }
    let log_checks: usize = runs.iter().map(|r| r.log_checks).sum();
    for r in &runs {
        mismatches.extend(r.mismatches.iter().cloned());
    }
    println!("{out}");
    println!(
        "authorization matrix: {} operations × {} callers × {} visibilities = {total} requests (cells: cases, !mismatches), plus {log_checks} log checks (/sync, stream backlog, live stream, logged-out stream), in {:.1} s",
        table.len(),
        Caller::ALL.len(),
        runs.len(),
        started.elapsed().as_secs_f64()
    );
    for r in &runs {
        println!(
            "  {}: {} mismatches; events read: {}",
            r.visibility.as_str(),
            r.mismatches.len(),
            r.events_read.join(", ")
        );
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
