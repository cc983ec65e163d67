//! The bot hand-off, activity status from live connections, and outgoing integration webhooks.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use common::provider::Provider;
use common::{TestServer, client_id};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// A bot that answers as told: "done" (messages and RB_MARKDONE), "talk", "slow", "garbage", "error".
async fn bot(mode: &'static str) -> (String, Arc<Mutex<Vec<Value>>>) {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    async fn answer(
        State((mode, seen)): State<(&'static str, Arc<Mutex<Vec<Value>>>)>,
        body: Bytes,
    ) -> impl IntoResponse {
        seen.lock()
            .unwrap()
            .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
        match mode {
            "done" => (StatusCode::OK, json!({"messages": [{"text": "Your order ships tomorrow."}, {"text": "Anything else? Bye!"}], "parameters": {"RB_MARKDONE": true}}).to_string()),
            "talk" => (StatusCode::OK, json!({"messages": [{"text": "Let me find a human."}]}).to_string()),
            "slow" => {
                tokio::time::sleep(Duration::from_secs(3)).await;
                (StatusCode::OK, json!({"messages": [{"text": "too late"}]}).to_string())
            }
            "garbage" => (StatusCode::OK, "<html>oops</html>".to_owned()),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "{}".to_owned()),
        }
    }
    let app = Router::new()
        .route("/", post(answer))
        .with_state((mode, seen.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

async fn bot_channel(t: &TestServer, bot_url: &str, provider: &Provider) -> common::Channel {
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    t.patch(
        &format!("/channels/{}", ch.id),
        &t.owner,
        json!({"bot_url": bot_url}),
    )
    .await
    .ok(200);
    ch
}

async fn settle(t: &TestServer) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while t
        .server
        .state
        .store
        .read(|tx| Ok(tx.next_job_time()?))
        .await
        .unwrap()
        .is_some()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "jobs did not settle"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_bot_answers_unassigned_contacts_and_closes_on_rb_markdone() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let (url, seen) = bot("done").await;
    let ch = bot_channel(&t, &url, &provider).await;
    let contact = t.incoming(&ch, "+1", "m1", "Where is my order?").await;
    settle(&t).await;
    let request = seen.lock().unwrap()[0].clone();
    assert_eq!(
        request,
        json!({"channelId": ch.id, "contactId": "+1", "message": {"type": "text", "text": "Where is my order?"}})
    );
    let tl = t.timeline(&contact, &t.owner).await;
    let bot_texts: Vec<&str> = tl
        .iter()
        .filter(|m| m["direction"] == "outgoing")
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        bot_texts,
        vec!["Your order ships tomorrow.", "Anything else? Bye!"]
    );
    assert!(
        tl.iter()
            .filter(|m| m["direction"] == "outgoing")
            .all(|m| m["sender"]["kind"] == "automation")
    );
    let conv = &t
        .get(&format!("/contacts/{contact}/conversations"), &t.owner)
        .await
        .ok(200)[0];
    assert_eq!(conv["status"], "closed");
    assert_eq!(conv["closed_by"]["kind"], "bot");
    assert_eq!(
        conv["first_response_at"],
        Value::Null,
        "bot replies are not first responses"
    );
    assert_eq!(
        t.get(&format!("/contacts/{contact}"), &t.owner)
            .await
            .ok(200)["assignee_id"],
        Value::Null
    );

    // An assigned contact is the human's: the bot is not asked.
    let (alice_id, _) = t.user("Alice Agent", "agent").await;
    t.put(
        &format!("/contacts/{contact}/assignee"),
        &t.owner,
        json!({"user_id": alice_id}),
    )
    .await
    .ok(200);
    t.incoming(&ch, "+1", "m2", "one more thing").await;
    settle(&t).await;
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_failing_bot_is_logged_and_the_conversation_waits_for_a_human() {
    for mode in ["slow", "garbage", "error"] {
        let t = TestServer::start_with(|c| c.bot_timeout = Duration::from_millis(300), None).await;
        let provider = Provider::start().await;
        let (url, seen) = bot(mode).await;
        let ch = bot_channel(&t, &url, &provider).await;
        let contact = t.incoming(&ch, "+1", "m1", "hello?").await;
        settle(&t).await;
        assert_eq!(
            seen.lock().unwrap().len(),
            1,
            "{mode}: asked once, not retried"
        );
        let tl = t.timeline(&contact, &t.owner).await;
        assert!(
            tl.iter().all(|m| m["direction"] != "outgoing"),
            "{mode}: no bot message"
        );
        let conv = &t
            .get(&format!("/contacts/{contact}/conversations"), &t.owner)
            .await
            .ok(200)[0];
        assert_eq!(conv["status"], "open", "{mode}: waits for a human");
    }
}

async fn status_of(t: &TestServer, user: &str) -> String {
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

#[tokio::test]
async fn users_go_offline_after_the_timeout_without_a_connection_and_come_back() {
    let t = TestServer::start_manual_clock().await;
    let clock = t.clock.clone().unwrap();
    let state = t.server.state.clone();
    t.patch("/settings", &t.owner, json!({"offline_after_minutes": 5}))
        .await
        .ok(200);
    let (alice_id, alice) = t.user("Alice Agent", "agent").await;
    t.put("/me/status", &alice, json!({"status": "busy"}))
        .await
        .ok(200);
    let ws = t.stream(&alice, 0).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    clock.advance_millis(10 * 60_000);
    messenger_server::presence::sweep(&state).await.unwrap();
    assert_eq!(
        status_of(&t, &alice_id).await,
        "busy",
        "connected users stay as they are"
    );

    drop(ws);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while state
        .presence
        .is_connected(&messenger_protocol::UserId(alice_id.clone()))
    {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    clock.advance_millis(4 * 60_000);
    assert!(
        messenger_server::presence::sweep(&state)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(status_of(&t, &alice_id).await, "busy");
    clock.advance_millis(60_000);
    let gone = messenger_server::presence::sweep(&state).await.unwrap();
    assert_eq!(
        gone,
        vec![messenger_protocol::UserId(alice_id.clone())],
        "the owner never connected: offline already"
    );
    assert_eq!(status_of(&t, &alice_id).await, "offline");
    // Teammates hear it as an event.
    let since = 0;
    let page = t
        .get(&format!("/sync?since={since}&limit=5000"), &t.owner)
        .await
        .ok(200);
    let last_alice = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["type"] == "user.upserted" && e["data"]["id"] == alice_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(last_alice["data"]["status"], "offline");
    // Back: the chosen status returns.
    let _ws = t.stream(&alice, 0).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while status_of(&t, &alice_id).await != "busy" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "status not restored"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

type Deliveries = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A receiver of integration events that refuses the first `fail` deliveries.
async fn receiver(fail: usize) -> (String, Deliveries) {
    let got: Deliveries = Arc::default();
    let failures = Arc::new(Mutex::new(fail));
    async fn take(
        State((got, failures)): State<(Deliveries, Arc<Mutex<usize>>)>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let mut f = failures.lock().unwrap();
        if *f > 0 {
            *f -= 1;
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        got.lock().unwrap().push((headers, body));
        StatusCode::NO_CONTENT
    }
    let app = Router::new()
        .route("/hook", post(take))
        .with_state((got.clone(), failures));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

#[tokio::test]
async fn integration_webhooks_receive_signed_events_with_retries() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    let (url, got) = receiver(2).await;
    let hook = t
        .post("/integrations/webhooks", &t.owner, json!({"url": url, "allow_private_network": true, "events": [
            "message.received", "message.sent", "conversation.opened", "conversation.closed", "contact.assignee.updated"]}))
        .await
        .ok(201);
    let secret = hook["signing_secret"].as_str().unwrap().to_owned();
    let (alice_id, alice) = t.user("Alice Agent", "agent").await;

    let contact = t.incoming(&ch, "+1", "m1", "hi").await;
    t.post(
        &format!("/contacts/{contact}/messages"),
        &alice,
        json!({"client_id": client_id(), "text": "hello!"}),
    )
    .await
    .ok(201);
    let conv = t.get(&format!("/contacts/{contact}"), &alice).await.ok(200)["open_conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.post(&format!("/conversations/{conv}/close"), &alice, json!({}))
        .await
        .ok(200);
    settle(&t).await;

    let got = got.lock().unwrap().clone();
    let events: Vec<String> = got
        .iter()
        .map(|(h, _)| h["x-messenger-event"].to_str().unwrap().to_owned())
        .collect();
    for e in [
        "message.received",
        "message.sent",
        "conversation.opened",
        "conversation.closed",
        "contact.assignee.updated",
    ] {
        assert!(
            events.contains(&e.to_owned()),
            "{e} missing from {events:?}"
        );
    }
    for (headers, body) in &got {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        assert_eq!(
            headers["x-messenger-signature"].to_str().unwrap(),
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        );
    }
    let closed: Value = got
        .iter()
        .find(|(h, _)| h["x-messenger-event"] == "conversation.closed")
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .unwrap();
    assert_eq!(closed["event"], "conversation.closed");
    assert!(
        closed["data"]["metrics"]["resolution_time_s"]
            .as_f64()
            .unwrap()
            >= 0.0
    );
    assert!(closed["data"]["metrics"]["first_response_time_s"].is_number());
    let assigned: Value = got
        .iter()
        .find(|(h, _)| h["x-messenger-event"] == "contact.assignee.updated")
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .unwrap();
    assert_eq!(assigned["data"]["assignee_id"], alice_id.as_str());

    // Agents cannot manage integrations; a bad URL is refused.
    t.get("/integrations/webhooks", &alice)
        .await
        .err(403, "forbidden");
    t.post(
        "/integrations/webhooks",
        &t.owner,
        json!({"url": "ftp://x", "events": ["message.sent"]}),
    )
    .await
    .err(400, "invalid_field");
    t.post(
        "/integrations/webhooks",
        &t.owner,
        json!({"url": url, "events": []}),
    )
    .await
    .err(400, "invalid_field");
    t.call(
        reqwest::Method::DELETE,
        &format!("/integrations/webhooks/{}", hook["id"].as_str().unwrap()),
        &t.owner,
        None,
    )
    .await
    .ok(204);
}
