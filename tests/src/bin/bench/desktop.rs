//! The desktop app's start-up and footprint: the release binary started with a signed-in
//! account whose cache holds 10,000 contacts and 500,000 messages, timed from process start to
//! the "inbox painted" mark the app logs; then the memory of the whole process tree (the shell
//! and WebKit's web and network processes) once idle, and the same for the bare sign-in form.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use messenger_agent::cache::{ApplyContext, Cache};
use messenger_agent::{Agent, AgentConfig};
use messenger_e2e::{ServerProcess, processes};
use messenger_protocol::{
    Actor, ActorKind, ChannelId, Contact, ContactChannel, ContactId, ConversationId, Delivery,
    Direction, Event, EventPayload, Message, MessageId, Timestamp, UserId,
};

use crate::report::Report;

const CONTACTS: i64 = 10_000;
const MESSAGES: i64 = 500_000;
const LAUNCHES: usize = 5;

/// A signed-in account (its session points at a server that is then stopped, so the app
/// paints from its cache alone, as it does before any network answer).
async fn prepared_account(dir: &Path) -> anyhow::Result<()> {
    let data = dir.join("server");
    std::fs::create_dir_all(&data)?;
    ServerProcess::add_user(
        &data,
        "ada@example.com",
        "Ada Agent",
        "ada-password",
        "agent",
    )?;
    let server = ServerProcess::start(&data, &dir.join("server.log"))?;
    let agent = Agent::open(AgentConfig::new(dir.join("agent")))?;
    agent
        .login(&server.base_url, "ada@example.com", "ada-password")
        .await?;
    agent.sync_once().await?;
    let account = agent.account()?;
    let me = account.session.user.id.clone();
    let cache_path = account.dir.join("cache.db");
    drop(account);
    agent.shutdown();
    drop(agent);
    drop(server);
    fill(&cache_path, me)
}

fn fill(cache_path: &Path, me: UserId) -> anyhow::Result<()> {
    let cache = Cache::open(cache_path)?;
    let ctx = ApplyContext {
        me: me.clone(),
        focused: None,
    };
    let start = Timestamp::now().plus_millis(-MESSAGES * 1000);
    let at = |i: i64| start.plus_millis(i * 1000);
    let mut seq = 1_000_000i64;
    let mut batch = Vec::with_capacity(10_000);
    for c in 1..=CONTACTS {
        seq += 1;
        batch.push(Event {
            seq,
            at: at(0),
            payload: EventPayload::ContactUpserted(contact(c, &me, at(c * 50))),
        });
    }
    cache.apply(&batch, &ctx)?;
    batch.clear();
    for m in 1..=MESSAGES {
        seq += 1;
        batch.push(Event {
            seq,
            at: at(m),
            payload: EventPayload::MessageUpserted(message(m, 1 + m % CONTACTS, at(m))),
        });
        if batch.len() == 10_000 {
            cache.apply(&batch, &ctx)?;
            batch.clear();
        }
    }
    cache.apply(&batch, &ctx)?;
    Ok(())
}

fn contact(id: i64, me: &UserId, last: Timestamp) -> Contact {
    Contact {
        id: ContactId(id.to_string()),
        name: format!("Customer {id}"),
        first_name: "Customer".into(),
        email: Some(format!("customer{id}@example.com")),
        phone: Some(format!("+1555{id:07}")),
        tags: vec![],
        assignee_id: (id % 3 == 0).then(|| me.clone()),
        open_conversation_id: Some(ConversationId(format!("c{id}"))),
        last_message_at: Some(last),
        last_message_preview: Some("Where is my parcel? It was due on Monday.".into()),
        waiting_since: None,
        channels: vec![ContactChannel {
            channel_id: ChannelId("1".into()),
            external_id: format!("wa-{id}"),
        }],
        created_at: last,
        profile: Default::default(),
        custom_fields: Default::default(),
    }
}

fn message(id: i64, contact: i64, at: Timestamp) -> Message {
    let incoming = id % 2 == 0;
    Message {
        id: MessageId(id.to_string()),
        client_id: None,
        contact_id: ContactId(contact.to_string()),
        conversation_id: Some(ConversationId(format!("c{contact}"))),
        channel_id: Some(ChannelId("1".into())),
        direction: if incoming {
            Direction::Incoming
        } else {
            Direction::Outgoing
        },
        sender: Actor::of(if incoming {
            ActorKind::Contact
        } else {
            ActorKind::User
        }),
        text: format!("Message {id}: the order, the refund and the delivery date."),
        attachments: vec![],
        delivery: Delivery::Delivered,
        error: None,
        activity: None,
        created_at: at,
        sent_at: None,
    }
}

/// Starts the app; answers the child and the time until it logged the mark `until`.
fn launch(app: &Path, data: &Path, until: &'static str) -> anyhow::Result<(Child, Duration)> {
    let started = Instant::now();
    let mut child = Command::new(app)
        .env("MESSENGER_AGENT_DATA_DIR", data)
        .env("RUST_LOG", "info")
        .env("NO_AT_BRIDGE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("start {}", app.display()))?;
    let stderr = child.stderr.take().context("no stderr")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut marks = Vec::new();
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let Some(mark) = line.split("mark: ").nth(1) else {
                continue;
            };
            marks.push(mark.to_owned());
            if mark.starts_with(until) {
                let _ = tx.send((started.elapsed(), marks.join(", ")));
                marks.clear();
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok((t, marks)) => {
            // The app's own milestones, timed from its own start, say where the time goes.
            println!("    {marks}");
            Ok((child, t))
        }
        Err(_) => {
            let _ = child.kill();
            bail!("the app did not log \"{until}\" within 60 s")
        }
    }
}

/// Memory of one process in kB, from smaps_rollup.
struct Footprint {
    rss: u64,
    pss: u64,
    /// The process's own heap and stacks, as opposed to pages of the libraries it maps.
    pss_anon: u64,
}

fn memory_kb(pid: u32) -> Footprint {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Footprint {
        rss: field("Rss:"),
        pss: field("Pss:"),
        pss_anon: field("Pss_Anon:"),
    }
}

/// Lets the app idle for 10 s, prints each process's memory, stops it; answers the total.
fn idle_footprint(child: Child) -> String {
    std::thread::sleep(Duration::from_secs(10));
    let pids = processes::tree(child.id());
    let mut total = Footprint {
        rss: 0,
        pss: 0,
        pss_anon: 0,
    };
    for pid in &pids {
        let m = memory_kb(*pid);
        println!(
            "  {}: PSS {:.0} MB (anonymous {:.0} MB), RSS {:.0} MB",
            processes::name(*pid),
            m.pss as f64 / 1024.0,
            m.pss_anon as f64 / 1024.0,
            m.rss as f64 / 1024.0
        );
        total.rss += m.rss;
        total.pss += m.pss;
        total.pss_anon += m.pss_anon;
    }
    stop(child);
    format!(
        "PSS {:.0} MB, of which {:.0} MB anonymous and the rest library pages (RSS {:.0} MB) over {} processes",
        total.pss as f64 / 1024.0,
        total.pss_anon as f64 / 1024.0,
        total.rss as f64 / 1024.0,
        pids.len()
    )
}

/// Stops the app and waits until WebKit's helper processes are gone too, so that the next
/// launch is a cold start rather than one sharing the machine with the last one's shutdown.
fn stop(mut child: Child) {
    let helpers = processes::tree(child.id());
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut exited = false;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            exited = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if !exited {
        let _ = child.kill();
        let _ = child.wait();
    }
    // Gone, or a zombie waiting to be reaped.
    let alive = |pid: &u32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            stat.rsplit(") ")
                .next()
                .is_some_and(|s| !s.starts_with('Z'))
        })
    };
    while Instant::now() < deadline && helpers.iter().any(alive) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub async fn run(report: &mut Report) -> anyhow::Result<()> {
    println!(
        "desktop app: cold start and idle memory with a 10,000-contact, 500,000-message cache"
    );
    let app = messenger_e2e::binaries::desktop();
    if std::env::var_os("DISPLAY").is_none() {
        bail!("the desktop scenario needs a display (scripts/bench starts a headless session)");
    }
    // MESSENGER_BENCH_DESKTOP_DATA keeps the filled account between runs (for profiling).
    let temp = tempfile::tempdir()?;
    let dir = std::env::var_os("MESSENGER_BENCH_DESKTOP_DATA")
        .map_or_else(|| temp.path().to_path_buf(), std::path::PathBuf::from);
    let data = dir.join("agent");
    if !data.exists() {
        let filling = Instant::now();
        prepared_account(&dir).await?;
        println!("  cache filled in {:.1} s", filling.elapsed().as_secs_f64());
    }

    let mut times = Vec::new();
    for i in 0..LAUNCHES {
        let (child, painted) = launch(&app, &data, "inbox painted")?;
        println!(
            "  launch {}: inbox painted after {:.0} ms",
            i + 1,
            painted.as_secs_f64() * 1000.0
        );
        times.push(painted);
        if i + 1 < LAUNCHES {
            stop(child);
            continue;
        }
        // The last launch stays up to be measured idle.
        report.add(
            "desktop app idle memory, whole process tree (shell + WebKit processes), after 10 s",
            idle_footprint(child),
            "≤ 150 MB",
        );
    }
    // What the webview costs before there is any inbox: the same binary showing its sign-in
    // form, with no account and no cache.
    let unsigned = tempfile::tempdir()?;
    let (child, _) = launch(&app, unsigned.path(), "ui script started")?;
    report.add(
        "desktop app idle memory showing only the sign-in form (no account, no cache: the webview's floor)",
        idle_footprint(child),
        "",
    );
    let first = times[0];
    times.sort();
    let median = times[times.len() / 2];
    report.add(
        "desktop app start to inbox painted (release, 10k contacts, 500k messages cached)",
        format!(
            "first {:.0} ms, median of {LAUNCHES} {:.0} ms",
            first.as_secs_f64() * 1000.0,
            median.as_secs_f64() * 1000.0
        ),
        "≤ 500 ms",
    );
    Ok(())
}
