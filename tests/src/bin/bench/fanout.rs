//! Fan-out: 1,000 agent streams (WebSocket `/stream`) spread over the instances, inbound
//! webhooks at 200 messages/s spread over the same instances; for every (message, stream) pair
//! the time from posting the webhook to the stream's frame of that message. With two instances
//! the pairs whose message was posted to another instance than the stream's are reported apart
//! (a write on A seen by a client on B: LISTEN/NOTIFY and the log follower).

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::backend::{Backend, Workspace};
use crate::report::Report;

const STREAMS: usize = 1000;
/// Streams share the sessions of this many agents (adding and signing in 1,000 users costs two
/// argon2 hashes each and measures nothing of the fan-out).
const AGENTS: usize = 50;
const PER_SECOND: u64 = 200;
const RUN_FOR: Duration = Duration::from_secs(20);
const CONTACTS: u64 = 100;
/// How long after the last post every stream may take to get the last frames.
const DRAIN: Duration = Duration::from_secs(10);
const MARKER: &str = "fanout-probe-";

pub async fn run(report: &mut Report) -> anyhow::Result<()> {
    run_on(&Backend::Sqlite, 1, report).await
}

pub async fn run_postgres(report: &mut Report) -> anyhow::Result<()> {
    match Backend::postgres() {
        Ok(backend) => run_on(&backend, 2, report).await,
        Err(why) => {
            println!("fan-out on PostgreSQL skipped: {why}");
            report.add(
                "PostgreSQL, 2 instances: fan-out to 1,000 streams",
                format!("skipped: {why}"),
                "",
            );
            Ok(())
        }
    }
}

/// One frame of a probe message that reached a stream.
struct Arrival {
    probe: u32,
    at: Instant,
}

async fn run_on(backend: &Backend, instances: usize, report: &mut Report) -> anyhow::Result<()> {
    println!(
        "fan-out ({}, {instances} instance(s)): {STREAMS} streams of {AGENTS} agents, \
         {PER_SECOND} messages/s for {} s",
        backend.name(),
        RUN_FOR.as_secs()
    );
    let ws = Workspace::start(backend, instances, "fanout").await?;
    let sender = ws.sender();
    let urls = ws.webhook_urls();
    let bases = ws.base_urls();
    for c in 0..CONTACTS {
        let body = sender.body(&format!("f{c}"), &format!("warm-{c}"), "hi", 1);
        sender.post(&urls[c as usize % urls.len()], body).await?;
    }
    let tokens = ws.agents(AGENTS).await?;
    let head: Value = ws
        .http
        .get(format!("{}/api/v1/sync?since=0&limit=1", bases[0]))
        .bearer_auth(&ws.owner_token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let since = head["head_seq"].as_i64().unwrap_or(0);

    let total = usize::try_from(PER_SECOND * RUN_FOR.as_secs())?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut streams = Vec::with_capacity(STREAMS);
    let connect_started = Instant::now();
    for chunk in (0..STREAMS).collect::<Vec<_>>().chunks(50) {
        let opened = futures::future::try_join_all(
            chunk
                .iter()
                .map(|&i| open_stream(&bases[i % instances], &tokens[i % AGENTS], since)),
        )
        .await?;
        for (k, socket) in opened.into_iter().enumerate() {
            let i = chunk[k];
            let stopped = stopped.clone();
            streams.push((
                i % instances,
                tokio::spawn(read_stream(socket, total, stopped)),
            ));
        }
    }
    println!(
        "  {STREAMS} streams open in {:.1} s",
        connect_started.elapsed().as_secs_f64()
    );

    // Probe k goes to instance k mod N; its send time is set before the post starts.
    let sent: Arc<Vec<OnceLock<Instant>>> = Arc::new((0..total).map(|_| OnceLock::new()).collect());
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / PER_SECOND));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut posts = Vec::with_capacity(total);
    let mut failed = 0usize;
    for k in 0..total {
        tick.tick().await;
        let (sender, sent) = (sender.clone(), sent.clone());
        let url = urls[k % instances].clone();
        let body = sender.body(
            &format!("f{}", k as u64 % CONTACTS),
            &format!("p{k}"),
            &format!("{MARKER}{k}"),
            1,
        );
        posts.push(tokio::spawn(async move {
            let _ = sent[k].set(Instant::now());
            sender.post(&url, body).await
        }));
    }
    for p in posts {
        if !matches!(p.await, Ok(Ok(()))) {
            failed += 1;
        }
    }
    // A stream ends by itself once it has every probe; the rest are stopped after DRAIN.
    tokio::spawn(async move {
        tokio::time::sleep(DRAIN).await;
        let _ = stop.send(true);
    });

    let mut all = Vec::with_capacity(total * STREAMS);
    let mut cross = Vec::new();
    let (mut missing, mut duplicates) = (0usize, 0usize);
    for (instance, handle) in streams {
        let got = handle.await?;
        missing += total.saturating_sub(got.arrivals.len());
        duplicates += got.duplicates;
        let arrivals = got.arrivals;
        for a in arrivals {
            let Some(sent_at) = sent.get(a.probe as usize).and_then(OnceLock::get) else {
                continue;
            };
            let latency = a.at.saturating_duration_since(*sent_at);
            all.push(latency);
            if instances > 1 && a.probe as usize % instances != instance {
                cross.push(latency);
            }
        }
    }
    all.sort_unstable();
    cross.sort_unstable();
    let label = format!("{}, {instances} instance(s)", backend.name());
    report.add(
        format!(
            "{label}: webhook → frame at each of {STREAMS} streams, {PER_SECOND} msg/s for {} s",
            RUN_FOR.as_secs()
        ),
        format!(
            "p50 {}, p99 {}, max {} ({} frames, {missing} missing, {duplicates} duplicated, \
             {failed} posts failed)",
            ms(percentile(&all, 0.5)),
            ms(percentile(&all, 0.99)),
            ms(all.last().copied().unwrap_or_default()),
            all.len()
        ),
        "p99 ≤ 250 ms",
    );
    if instances > 1 {
        report.add(
            format!("{label}: a write on one instance seen by a stream on the other"),
            format!(
                "p50 {}, p99 {} ({} frames)",
                ms(percentile(&cross, 0.5)),
                ms(percentile(&cross, 0.99)),
                cross.len()
            ),
            "p99 ≤ 100 ms",
        );
    }
    Ok(())
}

async fn open_stream(base: &str, token: &str, since: i64) -> anyhow::Result<Socket> {
    let url = format!(
        "{}/api/v1/stream?since={since}",
        base.replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse()?);
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(socket)
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What one stream received.
struct Received {
    arrivals: Vec<Arrival>,
    duplicates: usize,
}

/// Reads frames until every probe came (or the stream ended, or the run was stopped). Pings
/// are answered by the WebSocket library while it reads.
async fn read_stream(
    mut socket: Socket,
    total: usize,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> Received {
    let mut seen = vec![false; total];
    let mut got = Received {
        arrivals: Vec::with_capacity(total),
        duplicates: 0,
    };
    while got.arrivals.len() < total {
        tokio::select! {
            frame = socket.next() => match frame {
                Some(Ok(WsMessage::Text(text))) => {
                    let at = Instant::now();
                    let Some(probe) = probe_of(text.as_str()) else { continue };
                    match seen.get_mut(probe as usize) {
                        Some(s) if *s => got.duplicates += 1,
                        Some(s) => {
                            *s = true;
                            got.arrivals.push(Arrival { probe, at });
                        }
                        None => {}
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            },
            _ = stopped.changed() => break,
        }
    }
    got
}

/// The probe number of a `message.upserted` frame of a probe (its contact's upsert carries the
/// same text as its preview, and is not counted).
fn probe_of(frame: &str) -> Option<u32> {
    let head = frame.get(..frame.len().min(64))?;
    if !head.contains(r#""type":"message.upserted""#) {
        return None;
    }
    let at = frame.find(MARKER)? + MARKER.len();
    let digits: String = frame[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[rank]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
