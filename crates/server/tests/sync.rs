//! The event log: `/sync` and `/snapshot` agree after every action (Zulip's verify_action
//! discipline), also for an agent with restricted visibility; the stream sends the backlog
//! then live events with no gap and no duplicate; 410 below the retention floor; heartbeats;
//! seq order is commit order under concurrent writers.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{TestServer, client_id};
use futures::{SinkExt, StreamExt};
use messenger_protocol::stream_close;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// A client's view of the workspace, built from a snapshot and then only from events.
#[derive(Debug, Default, PartialEq)]
struct Model {
    seq: i64,
    settings: Value,
    users: BTreeMap<String, Value>,
    channels: BTreeMap<String, Value>,
    categories: BTreeMap<String, Value>,
    snippets: BTreeMap<String, Value>,
    contacts: BTreeMap<String, Value>,
    conversations: BTreeMap<String, Value>,
    /// Contacts that came (back) into sight: their history is fetched on demand (DESIGN.md).
    appeared: Vec<String>,
}

fn by_id(list: &Value) -> BTreeMap<String, Value> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| (v["id"].as_str().unwrap().to_owned(), v.clone()))
        .collect()
}

impl Model {
    fn from_snapshot(s: &Value) -> Self {
        Self {
            seq: s["seq"].as_i64().unwrap(),
            settings: s["settings"].clone(),
            users: by_id(&s["users"]),
            channels: by_id(&s["channels"]),
            categories: by_id(&s["categories"]),
            snippets: by_id(&s["snippets"]),
            contacts: by_id(&s["contacts"]),
            conversations: by_id(&s["conversations"]),
            appeared: Vec::new(),
        }
    }

    fn apply(&mut self, e: &Value) {
        let d = &e["data"];
        let id = || d["id"].as_str().unwrap().to_owned();
        match e["type"].as_str().unwrap() {
            "contact.upserted" => {
                if self.contacts.insert(id(), d.clone()).is_none() {
                    self.appeared.push(id());
                }
            }
            "contact.removed" => {
                let gone = id();
                self.contacts.remove(&gone);
                self.conversations
                    .retain(|_, c| c["contact_id"] != gone.as_str());
            }
            "conversation.upserted" => {
                // A client keeps conversations of contacts it holds (the contact may follow).
                self.conversations.insert(id(), d.clone());
            }
            "user.upserted" => {
                self.users.insert(id(), d.clone());
            }
            "settings.updated" => self.settings = d.clone(),
            "snippet.upserted" => {
                self.snippets.insert(id(), d.clone());
            }
            "snippet.removed" => {
                self.snippets.remove(&id());
            }
            "category.upserted" => {
                self.categories.insert(id(), d.clone());
            }
            "category.removed" => {
                self.categories.remove(&id());
            }
            "channel.upserted" => {
                self.channels.insert(id(), d.clone());
            }
            "message.upserted" | "comment.upserted" => {}
            other => panic!("unknown event type {other}"),
        }
        self.seq = e["seq"].as_i64().unwrap();
    }

    /// Conversations whose contact the model does not hold are not comparable with a snapshot
    /// (they arrive before their contact, or stay after a withheld contact event).
    fn comparable(mut self) -> Self {
        let contacts = self.contacts.clone();
        self.conversations
            .retain(|_, c| contacts.contains_key(c["contact_id"].as_str().unwrap()));
        self.seq = 0;
        self
    }
}

async fn catch_up(t: &TestServer, token: &str, model: &mut Model) {
    loop {
        let page = t
            .get(&format!("/sync?since={}&limit=7", model.seq), token)
            .await
            .ok(200);
        let mut last = model.seq;
        for e in page["events"].as_array().unwrap() {
            let seq = e["seq"].as_i64().unwrap();
            assert!(seq > last, "events out of order: {seq} after {last}");
            last = seq;
            model.apply(e);
        }
        model.seq = page["next_seq"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    for contact in std::mem::take(&mut model.appeared) {
        if !model.contacts.contains_key(&contact) {
            continue;
        }
        let list = t
            .get(&format!("/contacts/{contact}/conversations"), token)
            .await
            .ok(200);
        for c in list.as_array().unwrap() {
            model
                .conversations
                .insert(c["id"].as_str().unwrap().to_owned(), c.clone());
        }
    }
}

async fn verify(t: &TestServer, token: &str, model: &mut Model, action: &str) {
    catch_up(t, token, model).await;
    let fresh = Model::from_snapshot(&t.get("/snapshot", token).await.ok(200));
    let applied = std::mem::take(model);
    let seq = applied.seq;
    let (a, f) = (applied.comparable(), fresh.comparable());
    if a != f {
        for (name, x, y) in [
            ("contacts", &a.contacts, &f.contacts),
            ("conversations", &a.conversations, &f.conversations),
        ] {
            for k in x.keys().chain(y.keys()) {
                assert_eq!(
                    x.get(k),
                    y.get(k),
                    "after {action}: {name} {k} differs (events vs snapshot)"
                );
            }
        }
        assert_eq!(
            a, f,
            "after {action}: the state from events differs from a fresh snapshot"
        );
    }
    *model = a;
    model.seq = seq;
}

#[tokio::test]
async fn events_applied_to_a_stale_snapshot_equal_a_fresh_snapshot_after_every_action() {
    let t = TestServer::start().await;
    let (alice_id, alice) = t.user("Alice Agent", "agent").await;
    let (bob_id, bob) = t.user("Bob Agent", "agent").await;
    let mut owner_model = Model::from_snapshot(&t.get("/snapshot", &t.owner).await.ok(200));
    let mut alice_model = Model::from_snapshot(&t.get("/snapshot", &alice).await.ok(200));
    let o = t.owner.clone();

    macro_rules! step {
        ($what:expr) => {{
            verify(&t, &o, &mut owner_model, $what).await;
            verify(&t, &alice, &mut alice_model, $what).await;
        }};
        ($what:expr, $body:expr) => {{
            $body;
            step!($what);
        }};
    }

    let ch = t.channel("WhatsApp", true, None).await;
    step!("a channel is added");
    let c1 = t.incoming(&ch, "+1", "m1", "hello").await;
    step!("a new contact writes");
    let c2 = t.incoming(&ch, "+2", "m2", "hi there").await;
    step!("another contact writes");
    step!(
        "assign to Alice",
        t.put(
            &format!("/contacts/{c1}/assignee"),
            &o,
            json!({"user_id": alice_id})
        )
        .await
        .ok(200)
    );
    step!(
        "Bob replies to c2",
        t.post(
            &format!("/contacts/{c2}/messages"),
            &bob,
            json!({"client_id": client_id(), "text": "hey"})
        )
        .await
        .ok(201)
    );
    step!(
        "visibility: assigned and unassigned",
        t.patch(
            "/settings",
            &o,
            json!({"agent_visibility": "assigned_and_unassigned"})
        )
        .await
        .ok(200)
    );
    assert!(
        !alice_model.contacts.contains_key(&c2),
        "Alice lost sight of Bob's contact"
    );
    step!(
        "Alice comments",
        t.post(
            &format!("/contacts/{c1}/comments"),
            &alice,
            json!({"text": "note"})
        )
        .await
        .ok(201)
    );
    let conv = t.get(&format!("/contacts/{c1}"), &o).await.ok(200)["open_conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    step!(
        "Alice closes",
        t.post(&format!("/conversations/{conv}/close"), &alice, json!({}))
            .await
            .ok(200)
    );
    step!("c1 writes again", {
        t.incoming(&ch, "+1", "m3", "again").await;
    });
    step!(
        "unassign c2",
        t.put(
            &format!("/contacts/{c2}/assignee"),
            &o,
            json!({"user_id": null})
        )
        .await
        .ok(200)
    );
    assert!(
        alice_model.contacts.contains_key(&c2),
        "c2 came back into Alice's sight"
    );
    step!(
        "visibility: assigned only",
        t.patch("/settings", &o, json!({"agent_visibility": "assigned"}))
            .await
            .ok(200)
    );
    step!(
        "reassign c1 to Bob",
        t.put(
            &format!("/contacts/{c1}/assignee"),
            &o,
            json!({"user_id": bob_id})
        )
        .await
        .ok(200)
    );
    assert!(
        alice_model.contacts.is_empty(),
        "Alice sees nothing assigned to her: {:?}",
        alice_model.contacts.keys()
    );
    step!(
        "edit c1",
        t.patch(&format!("/contacts/{c1}"), &o, json!({"tags": ["vip"]}))
            .await
            .ok(200)
    );
    step!(
        "a category",
        t.post("/closing-note-categories", &o, json!({"name": "Sales"}))
            .await
            .ok(201)
    );
    step!(
        "a snippet",
        t.post(
            "/snippets",
            &o,
            json!({"name": "Hi", "shortcut": "hi", "text": "Hi"})
        )
        .await
        .ok(201)
    );
    step!(
        "visibility: all",
        t.patch("/settings", &o, json!({"agent_visibility": "all"}))
            .await
            .ok(200)
    );
    step!(
        "merge c2 into c1",
        t.post(
            &format!("/contacts/{c1}/merge"),
            &o,
            json!({"secondary_id": c2})
        )
        .await
        .ok(200)
    );
    step!(
        "Alice goes busy",
        t.put("/me/status", &alice, json!({"status": "busy"}))
            .await
            .ok(200)
    );
    step!(
        "remove Bob",
        t.call(
            reqwest::Method::DELETE,
            &format!("/users/{bob_id}"),
            &o,
            None
        )
        .await
        .ok(200)
    );
    assert_eq!(owner_model.contacts.len(), 1);
}

#[tokio::test]
async fn sync_refuses_cursors_it_cannot_continue_with_410() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    for i in 0..5 {
        t.incoming(&ch, &format!("+{i}"), &format!("m{i}"), "hi")
            .await;
    }
    let last = t.get("/sync?since=0&limit=5000", &t.owner).await.ok(200)["next_seq"]
        .as_i64()
        .unwrap();
    let msg = t
        .get(&format!("/sync?since={}", last + 100), &t.owner)
        .await
        .err(410, "cursor_expired");
    assert!(msg.contains("ahead"), "{msg}");
    t.get("/sync", &t.owner).await.err(400, "malformed_request");
    t.get("/sync?since=0&limit=0", &t.owner)
        .await
        .err(400, "invalid_field");

    // Prune everything up to `last - 3`: older cursors expire, the floor itself still works.
    let floor = last - 3;
    t.server
        .state
        .store
        .write(move |tx| Ok(tx.prune_events(floor)?))
        .await
        .unwrap();
    let msg = t
        .get("/sync?since=0", &t.owner)
        .await
        .err(410, "cursor_expired");
    assert!(msg.contains("snapshot"), "{msg}");
    let page = t
        .get(&format!("/sync?since={floor}"), &t.owner)
        .await
        .ok(200);
    assert_eq!(page["events"].as_array().unwrap().len(), 3);
    // A client re-bootstraps from the snapshot and continues from its seq.
    let snap = t.get("/snapshot", &t.owner).await.ok(200);
    assert_eq!(snap["seq"], last);
    assert_eq!(snap["contacts"].as_array().unwrap().len(), 5);
    t.get(&format!("/sync?since={last}"), &t.owner)
        .await
        .ok(200);
    // The stream answers 410 before upgrading.
    let mut req = t.ws_url("/stream?since=0").into_client_request().unwrap();
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {}", t.owner).parse().unwrap(),
    );
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 410),
        other => panic!("expected HTTP 410, got {other:?}"),
    }
}

#[tokio::test]
async fn old_events_are_pruned_after_the_retention() {
    let t = TestServer::start_manual_clock().await;
    let ch = t.channel("WhatsApp", true, None).await;
    t.incoming(&ch, "+1", "m1", "old").await;
    let clock = t.clock.as_ref().unwrap();
    clock.advance_millis(91 * 24 * 3600 * 1000);
    t.webhook(&ch, json!({"channelId": ch.id, "contactId": "+1", "events": [
        {"type": "message", "mId": "m2", "timestamp": 1, "message": {"type": "text", "text": "new"}}]}))
        .await
        .ok(200);
    let pruned = messenger_server::app::prune_log(&t.server.state)
        .await
        .unwrap();
    assert!(pruned > 0);
    // (The owner's session idled out over those 91 days too.)
    let token = t.login("owner@example.com", "owner-password").await;
    t.get("/sync?since=0", &token)
        .await
        .err(410, "cursor_expired");
    let kept = t
        .get(
            &format!(
                "/sync?since={}",
                t.get("/snapshot", &token).await.ok(200)["seq"]
                    .as_i64()
                    .unwrap()
                    - 1
            ),
            &token,
        )
        .await
        .ok(200);
    assert_eq!(
        kept["events"].as_array().unwrap().len(),
        1,
        "recent events are kept"
    );
    assert!(
        kept["events"][0]["at"]
            .as_str()
            .unwrap()
            .starts_with("2027-02"),
        "{kept}"
    );
}

/// Reads events until `count` have arrived (or fails after a while).
async fn read_events(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    count: usize,
) -> Vec<Value> {
    let mut got = Vec::new();
    while got.len() < count {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .unwrap_or_else(|_| panic!("only {} of {count} events arrived", got.len()))
            .unwrap()
            .unwrap();
        if let WsMessage::Text(t) = frame {
            got.push(serde_json::from_str(&t).unwrap());
        }
    }
    got
}

#[tokio::test]
async fn the_stream_sends_backlog_then_live_with_no_gap_or_duplicate_under_concurrent_writes() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    for i in 0..20 {
        t.incoming(&ch, &format!("+{i}"), &format!("pre{i}"), "before")
            .await;
    }
    let mut ws = t.stream(&t.owner, 0).await;
    // While the backlog is read, 16 writers post 10 webhooks each.
    let writers: Vec<_> = (0..16)
        .map(|w| {
            let (http, url, token, channel) = (t.http.clone(), t.url("/custom-channel/webhook"), ch.token.clone(), ch.id.clone());
            tokio::spawn(async move {
                for i in 0..10 {
                    let body = json!({"channelId": channel, "contactId": format!("w{w}"), "events": [
                        {"type": "message", "mId": format!("w{w}-{i}"), "timestamp": 1, "message": {"type": "text", "text": "live"}}]});
                    let res = http.post(&url).bearer_auth(&token).json(&body).send().await.unwrap();
                    assert_eq!(res.status(), 200);
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let total = t.get("/sync?since=0&limit=5000", &t.owner).await.ok(200);
    let expected: Vec<i64> = total["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    let got = read_events(&mut ws, expected.len()).await;
    let seqs: Vec<i64> = got.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs, expected,
        "the stream and /sync give the same events in the same order"
    );
    for pair in seqs.windows(2) {
        assert_eq!(pair[1], pair[0] + 1, "seq grows by one per event (no gap)");
    }
    // Nothing more arrives: no duplicate after the switch-over.
    let extra = tokio::time::timeout(Duration::from_millis(300), ws.next()).await;
    assert!(
        !matches!(extra, Ok(Some(Ok(WsMessage::Text(_))))),
        "unexpected extra event: {extra:?}"
    );
    // Resuming from the middle continues exactly there.
    let mid = seqs[seqs.len() / 2];
    let mut again = t.stream(&t.owner, mid).await;
    let rest = read_events(&mut again, seqs.len() - seqs.len() / 2 - 1).await;
    assert_eq!(rest[0]["seq"].as_i64().unwrap(), mid + 1);
}

#[tokio::test]
async fn the_stream_filters_by_visibility_and_tells_of_lost_contacts() {
    let t = TestServer::start().await;
    let (_, alice) = t.user("Alice Agent", "agent").await;
    let (bob_id, _) = t.user("Bob Agent", "agent").await;
    t.patch(
        "/settings",
        &t.owner,
        json!({"agent_visibility": "assigned_and_unassigned"}),
    )
    .await
    .ok(200);
    let ch = t.channel("WhatsApp", true, None).await;
    let since = t.get("/snapshot", &alice).await.ok(200)["seq"]
        .as_i64()
        .unwrap();
    let mut ws = t.stream(&alice, since).await;
    let c = t.incoming(&ch, "+1", "m1", "hello").await;
    t.put(
        &format!("/contacts/{c}/assignee"),
        &t.owner,
        json!({"user_id": bob_id}),
    )
    .await
    .ok(200);
    t.incoming(&ch, "+1", "m2", "secret to Bob").await;
    t.put(
        &format!("/contacts/{c}/assignee"),
        &t.owner,
        json!({"user_id": null}),
    )
    .await
    .ok(200);
    // Wait for the last event (contact back in sight) and check nothing of Bob's time leaked.
    let mut seen = Vec::new();
    loop {
        let e = read_events(&mut ws, 1).await.remove(0);
        let done = e["type"] == "message.upserted" && e["data"]["activity"]["kind"] == "unassigned";
        seen.push(e);
        if done {
            break;
        }
    }
    let types: Vec<&str> = seen.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(types.contains(&"contact.removed"), "{types:?}");
    assert!(
        !seen.iter().any(|e| e["data"]["text"] == "secret to Bob"),
        "a message of an invisible contact leaked"
    );
    let removed_at = types.iter().position(|t| *t == "contact.removed").unwrap();
    assert!(
        types[removed_at + 1..].contains(&"contact.upserted"),
        "the contact comes back: {types:?}"
    );
}

#[tokio::test]
async fn the_stream_pings_and_ends_when_the_session_ends() {
    let t = TestServer::start_with(|c| c.heartbeat = Duration::from_millis(100), None).await;
    let (_, alice) = t.user("Alice Agent", "agent").await;
    let mut ws = t.stream(&alice, 0).await;
    let mut pings = 0;
    while pings < 2 {
        match tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap()
        {
            Some(Ok(WsMessage::Ping(_))) => pings += 1,
            Some(Ok(_)) => {}
            other => panic!("stream ended early: {other:?}"),
        }
    }
    t.post("/auth/logout", &alice, json!({})).await;
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap()
        {
            Some(Ok(WsMessage::Close(frame))) => break frame,
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    let frame = close.unwrap();
    assert_eq!(u16::from(frame.code), stream_close::SIGNED_OUT);
    assert!(frame.reason.contains("sign in"), "{}", frame.reason);
    // Without a token there is no stream at all.
    let req = t.ws_url("/stream?since=0").into_client_request().unwrap();
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 401),
        other => panic!("expected HTTP 401, got {other:?}"),
    }
}

#[tokio::test]
async fn a_reader_that_stops_reading_is_cut_off_with_a_reason_to_resume() {
    let t =
        TestServer::start_with(|c| c.stream_send_timeout = Duration::from_millis(300), None).await;
    let ch = t.channel("WhatsApp", true, None).await;
    let mut ws = t.stream(&t.owner, 0).await;
    let _ = ws.send(WsMessage::Ping(Default::default())).await;
    // ~1 KiB events until the socket's buffers are full and the server gives up on us.
    let text = "x".repeat(1000);
    for i in 0..3000 {
        t.webhook(&ch, json!({"channelId": ch.id, "contactId": "c", "events": [
            {"type": "message", "mId": format!("m{i}"), "timestamp": 1, "message": {"type": "text", "text": text}}]}))
            .await
            .ok(200);
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    // Bytes the server has not read when it closes (here a ping, in life the pongs a reader
    // answers while catching up) must not reset the connection and lose the close frame.
    ws.send(WsMessage::Ping(Default::default())).await.unwrap();
    let (mut events, mut last_seq) = (0, 0);
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .unwrap()
        {
            Some(Ok(WsMessage::Text(text))) => {
                events += 1;
                let v: Value = serde_json::from_str(text.as_str()).unwrap();
                last_seq = v["seq"].as_i64().unwrap();
                // A reader slower than loopback: the server closes while frames are in flight.
                if events % 20 == 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            Some(Ok(WsMessage::Close(frame))) => break frame,
            Some(Ok(_)) => {}
            other => panic!("expected a close frame after {events} events, got {other:?}"),
        }
    };
    let frame = close.unwrap();
    assert_eq!(u16::from(frame.code), stream_close::LAGGED);
    let since = stream_close::resume_point(&frame.reason)
        .unwrap_or_else(|| panic!("no resume point in {:?}", frame.reason));
    assert!(events < 9000, "the server stopped sending");
    // Resuming there misses nothing: the reader got every frame up to it.
    assert!(
        since <= last_seq,
        "told to resume after {since}, but the last frame read was {last_seq}"
    );
}

#[tokio::test]
async fn a_poller_never_sees_a_later_seq_before_an_earlier_one_commits() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..16)
        .map(|w| {
            let (http, url, token, channel) = (t.http.clone(), t.url("/custom-channel/webhook"), ch.token.clone(), ch.id.clone());
            tokio::spawn(async move {
                for i in 0..15 {
                    let body = json!({"channelId": channel, "contactId": format!("w{w}"), "events": [
                        {"type": "message", "mId": format!("w{w}-{i}"), "timestamp": 1, "message": {"type": "text", "text": "x"}}]});
                    assert_eq!(http.post(&url).bearer_auth(&token).json(&body).send().await.unwrap().status(), 200);
                }
            })
        })
        .collect();
    // The poller advances its cursor exactly as a client would.
    let poller = {
        let (http, base, token, done) = (t.http.clone(), t.url(""), t.owner.clone(), done.clone());
        tokio::spawn(async move {
            let mut since = 0i64;
            let mut seen = Vec::new();
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let page: Value = http
                    .get(format!("{base}/sync?since={since}&limit=1000"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                for e in page["events"].as_array().unwrap() {
                    seen.push(e["seq"].as_i64().unwrap());
                }
                since = page["next_seq"].as_i64().unwrap();
                if finished && !page["has_more"].as_bool().unwrap() {
                    return seen;
                }
            }
        })
    };
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = poller.await.unwrap();
    let all: Vec<i64> = t.get("/sync?since=0&limit=5000", &t.owner).await.ok(200)["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, all, "the poller missed or reordered events");
}
