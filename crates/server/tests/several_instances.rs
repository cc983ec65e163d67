//! Several `messenger-server serve` processes on one PostgreSQL database and one data
//! directory (shared secret key and files): every instance's `/sync` and stream give every
//! event once, in seq order, with no gap, whichever instance wrote it; a kill -9 during an
//! inbound burst loses no acknowledged message, duplicates none, its stream clients resume on
//! another instance and miss nothing, and its outbound deliveries are finished elsewhere
//! exactly once; presence is shared between instances.
//!
//! PostgreSQL only (`MESSENGER_TEST_DATABASE_URL`); without it each test prints a notice and
//! passes. The burst is `MESSENGER_TEST_BURST` webhooks (default 10,000; about 40 s on a 2-core
//! machine with a debug build).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use futures::StreamExt;
use messenger_protocol::{Timestamp, UserId};
use messenger_server::clock::ManualClock;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Whether the test can run; prints why not.
fn on_postgres(test: &str) -> bool {
    if common::on_postgres() {
        return true;
    }
    // Straight to stderr: libtest keeps a passing test's own output to itself.
    let _ = writeln!(
        std::io::stderr(),
        "several_instances::{test}: skipped, it needs PostgreSQL (MESSENGER_TEST_DATABASE_URL)"
    );
    false
}

/// The instances of one deployment, with an owner signed in and a Custom Channel.
struct Deployment {
    /// The shared data directory, removed after the instances stopped.
    _dir: tempfile::TempDir,
    children: Vec<Option<Child>>,
    bases: Vec<String>,
    http: reqwest::Client,
    owner: String,
    channel: String,
    api_token: String,
}

impl Drop for Deployment {
    fn drop(&mut self) {
        for child in self.children.iter_mut().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn serve(dir: &std::path::Path, lease_ms: u64) -> (Child, String) {
    let lease = lease_ms.to_string();
    common::serve(dir, "127.0.0.1:0", &["--job-lease-ms", &lease])
}

impl Deployment {
    /// `count` instances, started one after the other (the first one migrates the database and
    /// writes the secret key the others read).
    async fn start(count: usize, lease_ms: u64, outbound_url: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = common::server_command(dir.path())
            .args(["user", "add", "--email", "o@example.com", "--name", "O"])
            .args(["--password", "owner-password", "--role", "owner"])
            .arg("--data-dir")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut children = Vec::new();
        let mut bases = Vec::new();
        for _ in 0..count {
            let (child, base) = serve(dir.path(), lease_ms);
            children.push(Some(child));
            bases.push(base);
        }
        let http = reqwest::Client::new();
        let login: Value = http
            .post(format!("{}/api/v1/auth/login", bases[0]))
            .json(&json!({"email": "o@example.com", "password": "owner-password"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let owner = login["token"].as_str().unwrap().to_owned();
        let ch: Value = http
            .post(format!("{}/api/v1/channels", bases[0]))
            .bearer_auth(&owner)
            .json(
                &json!({"name": "WhatsApp", "kind": "custom", "outbound_url": outbound_url,
                          "allow_private_network": true}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Self {
            _dir: dir,
            children,
            bases,
            http,
            owner,
            channel: ch["id"].as_str().unwrap().to_owned(),
            api_token: ch["credentials"]["api_token"].as_str().unwrap().to_owned(),
        }
    }

    /// One more instance on the same database and data directory.
    fn add_instance(&mut self, lease_ms: u64) {
        let (child, base) = serve(self._dir.path(), lease_ms);
        self.children.push(Some(child));
        self.bases.push(base);
    }

    fn webhook_body(&self, contact: &str, m_id: &str) -> Value {
        json!({"channelId": self.channel, "contactId": contact, "events": [
            {"type": "message", "mId": m_id, "timestamp": 1, "message": {"type": "text", "text": m_id}}]})
    }

    /// Posts one inbound message to instance `i`; its status (0 when it got no answer).
    async fn webhook(&self, i: usize, contact: &str, m_id: &str) -> u16 {
        post_webhook(
            &self.http,
            &self.bases[i],
            &self.api_token,
            &self.webhook_body(contact, m_id),
        )
        .await
    }

    async fn get(&self, i: usize, path: &str) -> Value {
        let res = self
            .http
            .get(format!("{}/api/v1{path}", self.bases[i]))
            .bearer_auth(&self.owner)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "GET {path} on instance {i}");
        res.json().await.unwrap()
    }

    /// Every event after `since`, through `/sync` on instance `i`, paged.
    async fn sync(&self, i: usize, mut since: i64) -> Vec<Value> {
        let mut events = Vec::new();
        loop {
            let page = self
                .get(i, &format!("/sync?since={since}&limit=1000"))
                .await;
            events.extend(page["events"].as_array().unwrap().iter().cloned());
            since = page["next_seq"].as_i64().unwrap();
            if !page["has_more"].as_bool().unwrap() {
                return events;
            }
        }
    }

    /// The workspace id of the contact with this channel identity.
    async fn contact(&self, external: &str) -> String {
        self.contact_on(0, external).await
    }

    /// An agent (the owner) sends `text` to `contact` through instance `i`.
    async fn send(&self, i: usize, contact: &str, text: &str) {
        let res = self
            .http
            .post(format!(
                "{}/api/v1/contacts/{contact}/messages",
                self.bases[i]
            ))
            .bearer_auth(&self.owner)
            .json(&json!({"client_id": common::client_id(), "text": text}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            201,
            "send on instance {i}: {}",
            res.text().await.unwrap()
        );
    }

    async fn stream(&self, i: usize, since: i64) -> common::Stream {
        open_stream(&self.bases[i], &self.owner, since)
            .await
            .unwrap()
    }
}

async fn post_webhook(http: &reqwest::Client, base: &str, token: &str, body: &Value) -> u16 {
    match http
        .post(format!("{base}/api/v1/custom-channel/webhook"))
        .bearer_auth(token)
        .json(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
    {
        Ok(res) => res.status().as_u16(),
        Err(_) => 0,
    }
}

async fn open_stream(base: &str, token: &str, since: i64) -> Option<common::Stream> {
    common::open_stream(base, token, since).await.ok()
}

/// Reads a stream until an event with seq `last` arrived; the seqs read.
async fn read_until(ws: &mut common::Stream, last: i64, what: &str) -> Vec<i64> {
    let mut seqs = Vec::new();
    while seqs.last().is_none_or(|s| *s < last) {
        let frame = tokio::time::timeout(Duration::from_secs(15), ws.next())
            .await
            .unwrap_or_else(|_| panic!("{what}: stuck after {:?} waiting for {last}", seqs.last()))
            .unwrap()
            .unwrap();
        if let WsMessage::Text(t) = frame {
            let e: Value = serde_json::from_str(&t).unwrap();
            seqs.push(e["seq"].as_i64().unwrap());
        }
    }
    seqs
}

/// Checks that seqs go up by one from `after + 1`.
fn assert_gap_free(seqs: &[i64], after: i64, what: &str) {
    for (i, s) in seqs.iter().enumerate() {
        assert_eq!(
            *s,
            after + 1 + i as i64,
            "{what}: seq {} at place {i} (a gap or a duplicate)",
            s
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_instance_gives_every_event_of_every_instance_once_in_order() {
    if !on_postgres("every_instance_gives_every_event_of_every_instance_once_in_order") {
        return;
    }
    let provider = common::provider::Provider::start().await;
    let d = Arc::new(Deployment::start(3, 60_000, Some(&provider.base)).await);
    let start = d
        .sync(0, 0)
        .await
        .last()
        .map_or(0, |e| e["seq"].as_i64().unwrap());
    let mut streams = Vec::new();
    for i in 0..3 {
        streams.push(d.stream(i, start).await);
    }
    // A contact per instance for the agents to write to.
    let mut contacts = Vec::new();
    for i in 0..3 {
        assert_eq!(
            d.webhook(i, &format!("agent-{i}"), &format!("first-{i}"))
                .await,
            200
        );
        contacts.push(d.contact(&format!("agent-{i}")).await);
    }
    // Writers on every instance at once: webhooks and agent sends.
    let mut writers = Vec::new();
    for (i, contact) in contacts.iter().enumerate() {
        for w in 0..4 {
            let d = d.clone();
            writers.push(tokio::spawn(async move {
                for k in 0..25 {
                    let m = format!("i{i}-w{w}-{k}");
                    assert_eq!(d.webhook(i, &format!("c{}", k % 5), &m).await, 200);
                }
            }));
        }
        let (d, contact) = (d.clone(), contact.clone());
        writers.push(tokio::spawn(async move {
            for k in 0..10 {
                d.send(i, &contact, &format!("reply {i}-{k}")).await;
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    // Deliveries write events too: wait until the provider has them all and they settle.
    let deadline = Instant::now() + Duration::from_secs(20);
    while provider.received().len() < 30 {
        assert!(
            Instant::now() < deadline,
            "deliveries: {}",
            provider.received().len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let expected: Vec<i64> = d
        .sync(0, start)
        .await
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(expected.len() > 330, "only {} events", expected.len());
    assert_gap_free(&expected, start, "/sync on instance 0");
    for i in 1..3 {
        let other: Vec<i64> = d
            .sync(i, start)
            .await
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        assert_eq!(
            other[..expected.len()],
            expected[..],
            "/sync on instance {i} and on 0 differ"
        );
    }
    let last = *expected.last().unwrap();
    for (i, ws) in streams.iter_mut().enumerate() {
        let got = read_until(ws, last, &format!("the stream on instance {i}")).await;
        assert_gap_free(&got, start, &format!("the stream on instance {i}"));
    }
    // A write on one instance reaches a stream on another, soon.
    let before = Instant::now();
    assert_eq!(d.webhook(0, "c0", "crossing").await, 200);
    let after = d.sync(0, last).await;
    let crossing = after.last().unwrap()["seq"].as_i64().unwrap();
    let got = read_until(&mut streams[1], crossing, "the stream on instance 1").await;
    assert_gap_free(&got, last, "the stream on instance 1, live");
    eprintln!(
        "a write on instance 0 reached a stream on instance 1 in {:?}",
        before.elapsed()
    );
}

/// A provider that holds every delivery while `holding` (and answers the held ones 503 when
/// let go), and otherwise accepts; it counts accepted deliveries per message text.
#[derive(Clone, Default)]
struct CountingProvider {
    inner: Arc<Mutex<Counts>>,
    release: Arc<tokio::sync::Notify>,
}

#[derive(Default)]
struct Counts {
    holding: bool,
    held: usize,
    accepted: HashMap<String, usize>,
    next: u64,
}

impl CountingProvider {
    async fn start() -> (Self, String) {
        let p = Self::default();
        let app = Router::new()
            .route("/message", post(deliver))
            .with_state(p.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (p, base)
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.inner.lock().unwrap()
    }

    /// Stops holding; the held deliveries are answered 503 (not delivered).
    fn open(&self) {
        self.counts().holding = false;
        self.release.notify_waiters();
    }
}

async fn deliver(
    State(p): State<CountingProvider>,
    axum::Json(body): axum::Json<Value>,
) -> (StatusCode, axum::Json<Value>) {
    let text = body["message"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let released = {
        let mut c = p.counts();
        if c.holding {
            c.held += 1;
            Some(p.release.notified())
        } else {
            None
        }
    };
    if let Some(released) = released {
        released.await;
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"error": {"message": "held"}})),
        );
    }
    let mut c = p.counts();
    *c.accepted.entry(text).or_default() += 1;
    c.next += 1;
    (
        StatusCode::OK,
        axum::Json(json!({"mId": format!("out-{}", c.next)})),
    )
}

/// The burst's contacts (each gets at most 10,000 / 100 messages, one timeline page).
const BURST_CONTACTS: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_loses_nothing_acknowledged_and_its_work_finishes_elsewhere_once() {
    if !on_postgres(
        "a_killed_instance_loses_nothing_acknowledged_and_its_work_finishes_elsewhere_once",
    ) {
        return;
    }
    let burst: usize = std::env::var("MESSENGER_TEST_BURST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let (provider, provider_base) = CountingProvider::start().await;
    let mut d = Deployment::start(1, 1_000, Some(&provider_base)).await;
    // Outbound messages sent while the instance that will die is alone, held by the provider:
    // their jobs are that instance's, in flight at the kill.
    // Fewer than an instance runs at once (16), so all are in flight together.
    let sends = 12;
    let mut contacts = Vec::new();
    for k in 0..sends {
        assert_eq!(
            d.webhook(0, &format!("out-{k}"), &format!("hello-{k}"))
                .await,
            200
        );
        contacts.push(d.contact(&format!("out-{k}")).await);
    }
    provider.counts().holding = true;
    for (k, contact) in contacts.iter().enumerate() {
        d.send(0, contact, &format!("reply-{k}")).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while provider.counts().held < sends {
        assert!(
            Instant::now() < deadline,
            "only {} deliveries reached the provider",
            provider.counts().held
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    d.add_instance(1_000);
    let d = Arc::new(d);

    let start = d
        .sync(1, 0)
        .await
        .last()
        .map_or(0, |e| e["seq"].as_i64().unwrap());
    // A stream client on each instance; the one on the instance that dies resumes on the other
    // one with its last seq, as the desktop agent does.
    let target = Arc::new(tokio::sync::watch::channel(i64::MAX).0);
    let readers: Vec<_> = (0..2)
        .map(|i| {
            let (bases, token, mut target) = (d.bases.clone(), d.owner.clone(), target.subscribe());
            tokio::spawn(async move {
                let mut seqs: Vec<i64> = Vec::new();
                let mut on = i;
                let mut reconnects = 0;
                loop {
                    let since = seqs.last().copied().unwrap_or(start);
                    let Some(mut ws) = open_stream(&bases[on], &token, since).await else {
                        on = 1;
                        reconnects += 1;
                        continue;
                    };
                    loop {
                        if since.max(seqs.last().copied().unwrap_or(0)) >= *target.borrow() {
                            return (seqs, reconnects);
                        }
                        tokio::select! {
                            frame = ws.next() => match frame {
                                Some(Ok(WsMessage::Text(t))) => {
                                    let e: Value = serde_json::from_str(&t).unwrap();
                                    seqs.push(e["seq"].as_i64().unwrap());
                                }
                                Some(Ok(_)) => {}
                                // The instance died: go to the other one.
                                _ => { on = 1; reconnects += 1; break; }
                            },
                            _ = target.changed() => {}
                        }
                    }
                }
            })
        })
        .collect();

    // The burst, split over both instances; a sender whose instance died sends the message it
    // got no answer for to the other one, as a provider retries through the load balancer.
    let began = Instant::now();
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let senders: Vec<_> = (0..16)
        .map(|s| {
            let (d, acked) = (d.clone(), acked.clone());
            tokio::spawn(async move {
                let mut on = s % 2;
                for k in 0..burst / 16 {
                    let m = format!("b{s}-{k}");
                    let body = d.webhook_body(&format!("burst-{}", k % BURST_CONTACTS), &m);
                    loop {
                        match post_webhook(&d.http, &d.bases[on], &d.api_token, &body).await {
                            200 => break,
                            _ => on = 1,
                        }
                    }
                    acked.lock().unwrap().push(m);
                }
            })
        })
        .collect();
    while acked.lock().unwrap().len() < burst / 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    kill_first(&d);
    let at_kill = acked.lock().unwrap().len();
    provider.open();
    for s in senders {
        s.await.unwrap();
    }
    let burst_time = began.elapsed();
    let acked = acked.lock().unwrap().clone();
    eprintln!(
        "burst of {} webhooks over 2 instances, one killed after {at_kill}: {burst_time:?} ({:.0}/s)",
        acked.len(),
        acked.len() as f64 / burst_time.as_secs_f64()
    );

    // Every acknowledged message is there once (counted through the API of the survivor).
    let mut count: HashMap<String, usize> = HashMap::new();
    for c in 0..BURST_CONTACTS.min(burst / 16) {
        let contact = d.contact_on(1, &format!("burst-{c}")).await;
        let page = d
            .get(1, &format!("/contacts/{contact}/messages?limit=200"))
            .await;
        // The contacts' messages (their texts are their mIds), not the system notes.
        let texts = page["items"].as_array().unwrap().iter();
        for text in texts.filter_map(|m| m["text"].as_str()) {
            if text.starts_with('b') && !text.contains(' ') {
                *count.entry(text.to_owned()).or_default() += 1;
            }
        }
    }
    let lost: Vec<_> = acked.iter().filter(|m| !count.contains_key(*m)).collect();
    let doubled: Vec<_> = count.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged messages lost, e.g. {:?}",
        lost.len(),
        lost.first()
    );
    assert!(doubled.is_empty(), "duplicated: {doubled:?}");
    let acked_set: std::collections::HashSet<&String> = acked.iter().collect();
    let unacked: Vec<_> = count
        .keys()
        .filter(|m| !acked_set.contains(m))
        .take(5)
        .collect();
    assert_eq!(
        count.len(),
        acked.len(),
        "messages nobody acknowledged, e.g. {unacked:?}"
    );

    // The stream clients missed nothing, the killed instance's one included.
    let all = d.sync(1, start).await;
    let last = all.last().unwrap()["seq"].as_i64().unwrap();
    let seqs: Vec<i64> = all.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_gap_free(&seqs, start, "/sync after the kill");
    target.send_replace(last);
    for (i, r) in readers.into_iter().enumerate() {
        let (got, reconnects) = tokio::time::timeout(Duration::from_secs(30), r)
            .await
            .unwrap()
            .unwrap();
        assert_gap_free(
            &got[..seqs.len().min(got.len())],
            start,
            &format!("stream client {i}"),
        );
        assert!(
            got.len() >= seqs.len(),
            "stream client {i} got {} of {}",
            got.len(),
            seqs.len()
        );
        if i == 0 {
            assert!(
                reconnects >= 1,
                "the killed instance's client never reconnected"
            );
        }
    }

    // The outbound messages are delivered exactly once each, the killed instance's ones by the
    // survivor after their lease expired.
    let deadline = Instant::now() + Duration::from_secs(30);
    while provider.counts().accepted.len() < sends {
        assert!(
            Instant::now() < deadline,
            "delivered: {:?}",
            provider.counts().accepted
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Room for a second delivery to show up.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let accepted = provider.counts().accepted.clone();
    for k in 0..sends {
        assert_eq!(
            accepted.get(&format!("reply-{k}")),
            Some(&1),
            "deliveries of reply-{k}: {accepted:?}"
        );
    }
}

/// kill -9 of the first instance (the deployment is shared with the senders, so by its pid;
/// its `Child` is reaped when the deployment drops).
fn kill_first(d: &Deployment) {
    let pid = d.children[0].as_ref().unwrap().id();
    let status = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

impl Deployment {
    async fn contact_on(&self, i: usize, external: &str) -> String {
        let page = self.get(i, "/contacts?status=any&limit=500").await;
        common::contact_with_external(&page, external)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_streaming_only_to_another_instance_stays_online_until_the_stream_ends() {
    if !on_postgres("a_user_streaming_only_to_another_instance_stays_online_until_the_stream_ends")
    {
        return;
    }
    let clock = Arc::new(ManualClock::new(
        Timestamp::parse("2026-11-02T09:00:00Z").unwrap(),
    ));
    let a = common::TestServer::start_with(|_| {}, Some(clock.clone())).await;
    // B: the same data directory (database, secret key, files), its own presence counts.
    let shared = a.dir.path().to_path_buf();
    let b = common::TestServer::start_with(move |c| c.data_dir = shared, Some(clock.clone())).await;
    a.patch("/settings", &a.owner, json!({"offline_after_minutes": 1}))
        .await
        .ok(200);
    let (alice_id, alice) = a.user("Alice Agent", "agent").await;
    let alice_user = UserId(alice_id.clone());
    let ws = b.stream(&alice, 0).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !b.server.state.presence.is_connected(&alice_user) {
        assert!(Instant::now() < deadline, "B never saw Alice's stream");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Both instances sweep (and heart-beat) as time goes by: Alice stays online on A.
    for _ in 0..6 {
        clock.advance_millis(30_000);
        messenger_server::presence::sweep(&b.server.state)
            .await
            .unwrap();
        let gone = messenger_server::presence::sweep(&a.server.state)
            .await
            .unwrap();
        assert!(
            !gone.contains(&alice_user),
            "A set Alice offline while she streams to B"
        );
    }
    assert_ne!(status_of(&a, &alice_id).await, "offline");
    drop(ws);
    let deadline = Instant::now() + Duration::from_secs(5);
    while b.server.state.presence.is_connected(&alice_user) {
        assert!(Instant::now() < deadline, "B never saw Alice's stream end");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    clock.advance_millis(30_000);
    messenger_server::presence::sweep(&b.server.state)
        .await
        .unwrap();
    let gone = messenger_server::presence::sweep(&a.server.state)
        .await
        .unwrap();
    assert!(!gone.contains(&alice_user), "offline before the timeout");
    // Only A sweeps now (B's heartbeat is 31 s old, still fresh): A judges by B's row.
    clock.advance_millis(31_000);
    let gone = messenger_server::presence::sweep(&a.server.state)
        .await
        .unwrap();
    assert!(
        gone.contains(&alice_user),
        "A kept Alice online after her stream ended: {gone:?}"
    );
    assert_eq!(status_of(&a, &alice_id).await, "offline");
    assert_eq!(status_of(&b, &alice_id).await, "offline");
}

async fn status_of(t: &common::TestServer, user: &str) -> String {
    let users = t.get("/users", &t.owner).await.ok(200);
    users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == user)
        .unwrap()["status"]
        .as_str()
        .unwrap()
        .to_owned()
}
