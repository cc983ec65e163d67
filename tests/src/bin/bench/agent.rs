//! The agent core's figures: catching up 100k events (next to the raw SQLite rate), the
//! latency from an inbound webhook to the event applied in the agent's cache under background
//! load, and offline search over 500k cached messages.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use messenger_agent::cache::{ApplyContext, Cache};
use messenger_agent::view::{AgentEvent, SyncStatus};
use messenger_agent::{Agent, AgentConfig};
use messenger_e2e::ServerProcess;
use messenger_protocol::{
    Actor, ActorKind, Contact, ContactId, Delivery, Direction, Event, EventPayload, Message,
    MessageId, Timestamp, UserId,
};
use serde_json::{Value, json};

use crate::report::Report;

const WORDS: &[&str] = &[
    "order", "refund", "delivery", "parcel", "invoice", "tracking", "address", "password",
    "account", "discount", "shipping", "return", "exchange", "warranty", "receipt", "payment",
    "card", "bank", "monday", "tomorrow", "weekend", "store", "opening", "hours", "jacket",
    "shoes", "size", "blue", "portugal", "spain", "germany", "london", "madrid", "berlin",
    "please", "thanks", "hello", "urgent", "damaged", "broken", "missing", "late", "early",
    "quick", "question", "help", "support", "manager",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[rank]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

struct World {
    _dir: tempfile::TempDir,
    server: ServerProcess,
    http: reqwest::Client,
    channel: String,
    token: String,
    webhook: String,
}

async fn world(name: &str) -> anyhow::Result<World> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join(name);
    std::fs::create_dir_all(&data)?;
    ServerProcess::add_user(
        &data,
        "owner@example.com",
        "Owner",
        "owner-password",
        "owner",
    )?;
    let server = ServerProcess::start(&data, &dir.path().join("server.log"))?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let login: Value = http
        .post(format!("{}/api/v1/auth/login", server.base_url))
        .json(&json!({"email": "owner@example.com", "password": "owner-password"}))
        .send()
        .await?
        .json()
        .await?;
    let owner = login["token"].as_str().unwrap_or_default().to_owned();
    let ch: Value = http
        .post(format!("{}/api/v1/channels", server.base_url))
        .bearer_auth(&owner)
        .json(&json!({"name": "Bench", "kind": "custom"}))
        .send()
        .await?
        .json()
        .await?;
    Ok(World {
        webhook: format!("{}/api/v1/custom-channel/webhook", server.base_url),
        channel: ch["id"].as_str().unwrap_or_default().to_owned(),
        token: ch["credentials"]["api_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        _dir: dir,
        server,
        http,
    })
}

async fn post(w: &World, contact: &str, m_id: &str, text: &str) -> anyhow::Result<()> {
    let body = json!({"channelId": w.channel, "contactId": contact, "events": [
        {"type": "message", "mId": m_id, "timestamp": 1, "message": {"type": "text", "text": text}}]});
    w.http
        .post(&w.webhook)
        .bearer_auth(&w.token)
        .json(&body)
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

async fn signed_in(w: &World, dir: &std::path::Path) -> anyhow::Result<Agent> {
    let agent = Agent::open(AgentConfig::new(dir.to_path_buf()))?;
    agent
        .login(&w.server.base_url, "owner@example.com", "owner-password")
        .await?;
    Ok(agent)
}

/// Events applied per second while catching up 100k events.
pub async fn catch_up(report: &mut Report) -> anyhow::Result<()> {
    println!("agent catch-up: 100,000 events");
    let w = world("catchup").await?;
    let adir = tempfile::tempdir()?;
    let agent = signed_in(&w, adir.path()).await?;
    agent.sync_once().await?;
    // ~2.2 events per message on existing contacts (message + contact; some conversations).
    let mut produced = 0i64;
    let start_seq = agent.account()?.cache.last_seq()?.unwrap_or(0);
    let senders = 32;
    let mut n = 0u64;
    while produced < 100_000 {
        let batch: Vec<_> = (0..senders)
            .map(|s| {
                n += 1;
                let (contact, m_id) = (format!("c{}", n % 2000), format!("m{n}-{s}"));
                let text = format!(
                    "{} {} {}",
                    WORDS[(n as usize) % WORDS.len()],
                    WORDS[(n as usize * 7) % WORDS.len()],
                    n
                );
                async move { (contact, m_id, text) }
            })
            .collect();
        let items = futures::future::join_all(batch).await;
        futures::future::try_join_all(items.iter().map(|(c, m, t)| post(&w, c, m, t))).await?;
        let head: Value = w
            .http
            .get(format!("{}/api/v1/sync?since=0&limit=1", w.server.base_url))
            .bearer_auth(agent.account()?.client.token().unwrap_or_default())
            .send()
            .await?
            .json()
            .await?;
        produced = head["head_seq"].as_i64().unwrap_or(0) - start_seq;
    }
    let started = Instant::now();
    let applied = agent.sync_once().await?;
    let secs = started.elapsed().as_secs_f64();
    let baseline = crate::sqlite_baseline::insert_rate_normal(adir.path(), 1000, 200_000)?;
    report.add(
        "raw SQLite insert in the agent's settings (WAL, NORMAL), 1000 rows per commit",
        format!("{baseline:.0}/s"),
        "",
    );
    report.add(
        "agent catch-up: events fetched (/sync pages over HTTP) and applied to the cache",
        format!(
            "{:.0}/s ({applied} events in {secs:.2} s)",
            applied as f64 / secs
        ),
        "≥ 100,000/s",
    );
    Ok(())
}

/// Webhook → event applied in the agent's cache, with background load.
pub async fn latency(report: &mut Report) -> anyhow::Result<()> {
    println!("agent latency: webhook to cache, with ~1,000 messages/s of background load");
    let w = Arc::new(world("latency").await?);
    let adir = tempfile::tempdir()?;
    let agent = signed_in(&w, adir.path()).await?;
    agent.start()?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while agent.sync_state()?.status != SyncStatus::Online {
        anyhow::ensure!(Instant::now() < deadline, "the agent did not come online");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    post(&w, "probe", "probe-0", "warm up").await?;
    let stop = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = (0..4)
        .map(|s| {
            let (w, stop) = (w.clone(), stop.clone());
            tokio::spawn(async move {
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let _ = post(
                        &w,
                        &format!("bg{}", i % 500),
                        &format!("bg-{s}-{i}"),
                        "background chatter",
                    )
                    .await;
                    tokio::time::sleep(Duration::from_millis(4)).await;
                }
                i
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut events = agent.subscribe();
    let mut samples = Vec::new();
    let account = agent.account()?;
    for i in 1..=200 {
        let text = format!("probe {i}");
        let sent = Instant::now();
        post(&w, "probe", &format!("probe-{i}"), &text).await?;
        // Applied = the cache holds it (the timeline event fires after the commit).
        loop {
            match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
                Ok(Ok(AgentEvent::TimelineChanged { contact_id })) => {
                    let found = account.cache.search(&format!("\"probe {i}\""), 1).map(|h| !h.is_empty()).unwrap_or(false)
                        || account.cache.timeline(&contact_id, None, 3)?.entries.iter().any(|e| matches!(e, messenger_agent::view::TimelineEntry::Message { message, .. } if message.text == text));
                    if found {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => anyhow::bail!("probe {i} never reached the cache"),
            }
        }
        samples.push(sent.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut background = 0;
    for l in load {
        background += l.await?;
    }
    samples.sort();
    report.add(
        format!("inbound webhook → event applied in the agent's cache (200 probes; {background} background messages)"),
        format!("p50 {}, p99 {}", ms(percentile(&samples, 0.5)), ms(percentile(&samples, 0.99))),
        "p50 ≤ 10 ms, p99 ≤ 50 ms",
    );
    agent.shutdown();
    Ok(())
}

/// Offline search p95 over 500k cached messages.
pub async fn search(report: &mut Report) -> anyhow::Result<()> {
    println!("agent search: 500,000 cached messages, 10,000 contacts");
    let dir = tempfile::tempdir()?;
    let cache = Cache::open(&dir.path().join("cache.db"))?;
    let ctx = ApplyContext {
        me: UserId("1".into()),
        focused: None,
    };
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut seq = 0i64;
    let mut batch = Vec::with_capacity(10_000);
    let now = Timestamp::now();
    for c in 1..=10_000i64 {
        seq += 1;
        batch.push(Event {
            seq,
            at: now,
            payload: EventPayload::ContactUpserted(contact(c, now)),
        });
    }
    cache.apply(&batch, &ctx)?;
    batch.clear();
    let fill = Instant::now();
    for m in 1..=500_000i64 {
        let text: Vec<&str> = (0..(6 + rnd() % 12))
            .map(|_| WORDS[(rnd() % WORDS.len() as u64) as usize])
            .collect();
        seq += 1;
        batch.push(Event {
            seq,
            at: now,
            payload: EventPayload::MessageUpserted(message(
                m,
                1 + (rnd() % 10_000) as i64,
                text.join(" "),
                now,
            )),
        });
        if batch.len() == 10_000 {
            cache.apply(&batch, &ctx)?;
            batch.clear();
        }
    }
    let fill_secs = fill.elapsed().as_secs_f64();
    let mut times = Vec::new();
    for i in 0..300 {
        let w = WORDS[(rnd() % WORDS.len() as u64) as usize];
        let q = match i % 3 {
            0 => w.to_owned(),
            1 => w[..3.min(w.len())].to_owned(),
            _ => format!(
                "{} {}",
                w,
                &WORDS[(rnd() % WORDS.len() as u64) as usize][..4.min(w.len())]
            ),
        };
        let t = Instant::now();
        let hits = cache.search(&q, 50)?;
        times.push(t.elapsed());
        anyhow::ensure!(!hits.is_empty() || i % 3 == 2, "no hits for {q}");
    }
    times.sort();
    report.add(
        "filling the agent cache with 500,000 messages (events applied, FTS indexed)",
        format!("{:.0} messages/s", 500_000.0 / fill_secs),
        "",
    );
    report.add(
        "offline search over 500,000 cached messages (300 queries: words, 3-letter prefixes, two words)",
        format!("p50 {}, p95 {}", ms(percentile(&times, 0.5)), ms(percentile(&times, 0.95))),
        "p95 ≤ 30 ms",
    );
    Ok(())
}

fn contact(id: i64, now: Timestamp) -> Contact {
    Contact {
        id: ContactId(id.to_string()),
        name: format!("Contact {id}"),
        first_name: "Contact".into(),
        email: Some(format!("c{id}@example.com")),
        phone: None,
        tags: vec![],
        assignee_id: None,
        open_conversation_id: None,
        last_message_at: Some(now),
        last_message_preview: None,
        waiting_since: None,
        channels: vec![],
        created_at: now,
        profile: Default::default(),
        custom_fields: Default::default(),
    }
}

fn message(id: i64, contact: i64, text: String, now: Timestamp) -> Message {
    Message {
        id: MessageId(id.to_string()),
        client_id: None,
        contact_id: ContactId(contact.to_string()),
        conversation_id: None,
        channel_id: None,
        direction: Direction::Incoming,
        sender: Actor::of(ActorKind::Contact),
        text,
        attachments: vec![],
        delivery: Delivery::Delivered,
        error: None,
        activity: None,
        created_at: now,
        sent_at: None,
    }
}
