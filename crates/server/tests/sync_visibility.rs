//! Visibility of the log, as a property (Zulip's `verify_action` spirit): random sequences of
//! inbound messages, assignments, replies, comments, visibility changes, role changes and new
//! users; after each action, what `/sync?since=0`, the stream's backlog and a live stream give
//! each reader, applied as a client applies them, equals what the REST endpoints show that
//! reader now. A leak (an event about a contact the reader may not see now) fails the test with
//! the seed and the step that showed it.
//!
//! `MESSENGER_PROPERTY_SEED=N` replays one sequence; `MESSENGER_PROPERTY_STEPS` sets its length.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Channel, TestServer, client_id};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;

type Socket = common::Stream;

/// splitmix64: small, seedable, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).unwrap()).unwrap()
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What a reader's client holds, built only from events.
#[derive(Debug, Default, Clone, PartialEq)]
struct View {
    contacts: BTreeMap<String, Value>,
    conversations: BTreeMap<String, Value>,
    messages: BTreeMap<String, Value>,
    comments: BTreeMap<String, Value>,
}

impl View {
    /// Applies one event; returns the id of a contact that came into sight.
    fn apply(&mut self, e: &Value) -> Option<String> {
        let d = &e["data"];
        let id = d["id"].as_str().map(str::to_owned);
        match e["type"].as_str().unwrap() {
            "contact.upserted" => {
                let id = id.unwrap();
                if self.contacts.insert(id.clone(), d.clone()).is_none() {
                    return Some(id);
                }
            }
            "contact.removed" => {
                let gone = id.unwrap();
                self.contacts.remove(&gone);
                for list in [
                    &mut self.conversations,
                    &mut self.messages,
                    &mut self.comments,
                ] {
                    list.retain(|_, v| v["contact_id"] != gone.as_str());
                }
            }
            "conversation.upserted" => {
                self.conversations.insert(id.unwrap(), d.clone());
            }
            "message.upserted" => {
                self.messages.insert(id.unwrap(), d.clone());
            }
            "comment.upserted" => {
                self.comments.insert(id.unwrap(), d.clone());
            }
            _ => {}
        }
        None
    }
}

struct Reader {
    name: String,
    token: String,
    live: Socket,
    live_view: View,
}

struct World {
    t: TestServer,
    channel: Channel,
    rng: Rng,
    seed: u64,
    agents: Vec<(String, String)>,
    readers: Vec<Reader>,
    externals: Vec<String>,
    next_mid: u64,
    users_made: usize,
    markers: u64,
}

/// Applies stream frames until the event `until` (a marker every reader sees) has arrived.
/// Contacts that come into sight have their history fetched, as a client does on demand.
async fn drain(t: &TestServer, token: &str, ws: &mut Socket, view: &mut View, until: i64) {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .unwrap_or_else(|_| panic!("the stream stalled before seq {until}"))
            .unwrap()
            .unwrap();
        let WsMessage::Text(text) = frame else {
            continue;
        };
        let e: Value = serde_json::from_str(&text).unwrap();
        if let Some(appeared) = view.apply(&e) {
            fetch_history(t, token, &appeared, view).await;
        }
        if e["seq"].as_i64().unwrap() >= until {
            return;
        }
    }
}

async fn pages(t: &TestServer, token: &str, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=100&cursor={c}"),
            None => format!("{path}{sep}limit=100"),
        };
        let page = t.get(&url, token).await.ok(200);
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

async fn messages_of(t: &TestServer, token: &str, contact: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let url = match &before {
            Some(b) => format!("/contacts/{contact}/messages?limit=100&before={b}"),
            None => format!("/contacts/{contact}/messages?limit=100"),
        };
        let page = t.get(&url, token).await.ok(200);
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => before = Some(c.to_owned()),
            None => return out,
        }
    }
}

fn list_of(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        other => other["items"].as_array().cloned().unwrap_or_default(),
    }
}

async fn fetch_history(t: &TestServer, token: &str, contact: &str, view: &mut View) {
    for m in messages_of(t, token, contact).await {
        view.messages
            .insert(m["id"].as_str().unwrap().to_owned(), m);
    }
    let comments = t.get(&format!("/contacts/{contact}/comments"), token).await;
    for c in list_of(&comments.ok(200)) {
        view.comments
            .insert(c["id"].as_str().unwrap().to_owned(), c);
    }
    let conversations = t
        .get(&format!("/contacts/{contact}/conversations"), token)
        .await;
    for c in list_of(&conversations.ok(200)) {
        view.conversations
            .insert(c["id"].as_str().unwrap().to_owned(), c);
    }
}

/// What the REST endpoints show this reader now.
async fn truth(t: &TestServer, token: &str) -> View {
    let mut view = View::default();
    for c in pages(t, token, "/contacts?view=all&status=any").await {
        let id = c["id"].as_str().unwrap().to_owned();
        view.contacts.insert(id.clone(), c);
        fetch_history(t, token, &id, &mut view).await;
    }
    view
}

/// `/sync?since=0`, all pages, applied.
async fn from_sync(t: &TestServer, token: &str) -> View {
    let mut view = View::default();
    let mut since = 0;
    loop {
        let page = t
            .get(&format!("/sync?since={since}&limit=13"), token)
            .await
            .ok(200);
        for e in page["events"].as_array().unwrap() {
            view.apply(e);
        }
        since = page["next_seq"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            return view;
        }
    }
}

/// Lists what differs between two views, for a readable failure.
fn differences(what: &str, got: &View, want: &View) -> Vec<String> {
    let mut out = Vec::new();
    for (name, g, w) in [
        ("contact", &got.contacts, &want.contacts),
        ("conversation", &got.conversations, &want.conversations),
        ("message", &got.messages, &want.messages),
        ("comment", &got.comments, &want.comments),
    ] {
        for k in g.keys().chain(w.keys().filter(|k| !g.contains_key(*k))) {
            match (g.get(k), w.get(k)) {
                (Some(_), None) => out.push(format!(
                    "{what} holds {name} {k} that REST does not show (a leak): {}",
                    g[k]
                )),
                (None, Some(_)) => out.push(format!("{what} lacks {name} {k}: {}", w[k])),
                (Some(a), Some(b)) if a != b => {
                    out.push(format!("{what}: {name} {k} differs: {a} vs REST {b}"));
                }
                _ => {}
            }
        }
    }
    out
}

impl World {
    async fn start(seed: u64) -> Self {
        let t = TestServer::start().await;
        let channel = t.channel("WhatsApp", true, None).await;
        let mut w = Self {
            t,
            channel,
            rng: Rng(seed),
            seed,
            agents: Vec::new(),
            readers: Vec::new(),
            externals: Vec::new(),
            next_mid: 0,
            users_made: 0,
            markers: 0,
        };
        for _ in 0..2 {
            w.new_user("agent").await;
        }
        w.new_user("manager").await;
        w
    }

    async fn new_user(&mut self, role: &str) -> String {
        self.users_made += 1;
        let name = format!("Reader {} S{}", self.users_made, self.seed);
        let (id, token) = self.t.user(&name, role).await;
        if role == "agent" {
            self.agents.push((id.clone(), token.clone()));
        }
        let live = self.t.stream(&token, 0).await;
        self.readers.push(Reader {
            name: format!("{name} ({role})"),
            token,
            live,
            live_view: View::default(),
        });
        format!("{name} joins as {role}")
    }

    async fn contact_ids(&self) -> Vec<String> {
        pages(&self.t, &self.t.owner, "/contacts?view=all&status=any")
            .await
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// One random action; returns what it did.
    async fn act(&mut self) -> String {
        let contacts = self.contact_ids().await;
        let roll = self.rng.below(100);
        let o = self.t.owner.clone();
        if contacts.is_empty() || roll < 30 {
            // A new or a known contact writes in.
            let external = if self.externals.is_empty() || self.rng.below(3) == 0 {
                let e = format!("+{}", 1000 + self.externals.len());
                self.externals.push(e.clone());
                e
            } else {
                self.rng.pick(&self.externals).clone()
            };
            self.next_mid += 1;
            let mid = format!("m{}", self.next_mid);
            self.t
                .incoming(&self.channel, &external, &mid, &format!("text {mid}"))
                .await;
            return format!("{external} writes {mid}");
        }
        let contact = self.rng.pick(&contacts).clone();
        match roll {
            30..=49 => {
                let to = if self.rng.below(4) == 0 {
                    Value::Null
                } else {
                    json!(self.rng.pick(&self.agents).0)
                };
                self.t
                    .put(
                        &format!("/contacts/{contact}/assignee"),
                        &o,
                        json!({"user_id": to}),
                    )
                    .await
                    .ok(200);
                format!("contact {contact} assigned to {to}")
            }
            50..=59 => {
                let v = *self
                    .rng
                    .pick(&["all", "assigned_and_unassigned", "assigned"]);
                self.t
                    .patch("/settings", &o, json!({"agent_visibility": v}))
                    .await
                    .ok(200);
                format!("visibility becomes {v}")
            }
            60..=74 => {
                // An agent replies where they may; a refusal (404) is part of the rules.
                let (_, token) = self.rng.pick(&self.agents).clone();
                let answer = self
                    .t
                    .post(
                        &format!("/contacts/{contact}/messages"),
                        &token,
                        json!({"client_id": client_id(), "text": "a reply"}),
                    )
                    .await;
                assert!(
                    answer.status == 201 || answer.status == 404,
                    "reply: {answer:?}"
                );
                format!("an agent replies to {contact}: {}", answer.status)
            }
            75..=84 => {
                self.t
                    .post(
                        &format!("/contacts/{contact}/comments"),
                        &o,
                        json!({"text": "an internal note"}),
                    )
                    .await
                    .ok(201);
                format!("the owner comments on {contact}")
            }
            85..=91 => {
                let role = *self.rng.pick(&["agent", "agent", "manager"]);
                self.new_user(role).await
            }
            _ => {
                // A role change: an agent becomes a manager or back.
                let (id, _) = self.rng.pick(&self.agents).clone();
                let role = *self.rng.pick(&["manager", "agent"]);
                self.t
                    .patch(&format!("/users/{id}"), &o, json!({"role": role}))
                    .await
                    .ok(200);
                format!("user {id} becomes {role}")
            }
        }
    }

    /// An event every reader sees, so that a stream can be read up to a known point.
    async fn marker(&mut self) -> i64 {
        self.markers += 1;
        self.t
            .post(
                "/snippets",
                &self.t.owner,
                json!({"name": "marker", "shortcut": format!("marker{}", self.markers), "text": "."}),
            )
            .await
            .ok(201);
        self.t
            .get("/sync?since=0&limit=1", &self.t.owner)
            .await
            .ok(200)["head_seq"]
            .as_i64()
            .unwrap()
    }

    async fn verify(&mut self, step: usize, action: &str) {
        let head = self.marker().await;
        let mut problems = Vec::new();
        for r in &mut self.readers {
            let want = truth(&self.t, &r.token).await;
            let synced = from_sync(&self.t, &r.token).await;
            let mut backlog = View::default();
            let mut ws = self.t.stream(&r.token, 0).await;
            drain(&self.t, &r.token, &mut ws, &mut backlog, head).await;
            drain(&self.t, &r.token, &mut r.live, &mut r.live_view, head).await;
            for (what, got) in [
                ("/sync?since=0", &synced),
                ("the stream's backlog", &backlog),
                ("the live stream", &r.live_view),
            ] {
                for p in differences(what, got, &want) {
                    problems.push(format!("{}: {p}", r.name));
                }
            }
        }
        assert!(
            problems.is_empty(),
            "seed {} step {step} ({action}):\n{}",
            self.seed,
            problems.join("\n")
        );
    }
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

async fn run(seed: u64, steps: usize) {
    let mut w = World::start(seed).await;
    w.verify(0, "start").await;
    for step in 1..=steps {
        let action = w.act().await;
        w.verify(step, &action).await;
    }
}

#[tokio::test]
async fn every_reader_gets_from_the_log_what_rest_shows_them_now() {
    let steps = env_number("MESSENGER_PROPERTY_STEPS")
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(30);
    let seeds = match env_number("MESSENGER_PROPERTY_SEED") {
        Some(seed) => vec![seed],
        None => vec![11, 2026, 90210],
    };
    for seed in seeds {
        println!("sync visibility: seed {seed}, {steps} steps");
        run(seed, steps).await;
    }
}
