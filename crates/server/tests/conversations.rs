//! Conversations open and close by the rules of the Messages Module; assignment lives on the
//! contact. Over real HTTP on loopback.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, client_id};
use serde_json::{Value, json};

fn activities(timeline: &[Value]) -> Vec<String> {
    timeline
        .iter()
        .filter(|m| m["direction"] == "activity")
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_incoming_message_opens_a_conversation_only_when_none_is_open() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let contact = t.incoming(&ch, "+1555", "m1", "Hello").await;
    t.incoming(&ch, "+1555", "m2", "Anyone there?").await;

    let conversations = t
        .get(&format!("/contacts/{contact}/conversations"), &t.owner)
        .await
        .ok(200);
    let list = conversations.as_array().unwrap();
    assert_eq!(list.len(), 1, "{conversations}");
    assert_eq!(list[0]["status"], "open");
    assert_eq!(list[0]["opened_by"]["kind"], "contact");
    let c = t
        .get(&format!("/contacts/{contact}"), &t.owner)
        .await
        .ok(200);
    assert_eq!(c["open_conversation_id"], list[0]["id"]);
    assert_eq!(c["assignee_id"], Value::Null, "new contacts are unassigned");
    assert_eq!(c["name"], "+1555 Contact");
    assert_eq!(c["last_message_preview"], "Anyone there?");
    let timeline = t.timeline(&contact, &t.owner).await;
    assert_eq!(
        activities(&timeline),
        vec!["Conversation opened by +1555 Contact"]
    );
}

#[tokio::test]
async fn opening_by_hand_refuses_a_second_open_conversation() {
    let t = TestServer::start().await;
    let ch = t.channel("Web chat", false, None).await;
    let contact = t.incoming(&ch, "visitor-1", "m1", "Hi").await;
    let conv = t
        .get(&format!("/contacts/{contact}/conversations"), &t.owner)
        .await
        .ok(200)[0]["id"]
        .clone();

    t.post(
        &format!("/contacts/{contact}/conversations"),
        &t.owner,
        json!({}),
    )
    .await
    .err(409, "conversation_already_open");
    t.post(
        &format!("/conversations/{}/close", conv.as_str().unwrap()),
        &t.owner,
        json!({}),
    )
    .await
    .ok(200);
    let opened = t
        .post(
            &format!("/contacts/{contact}/conversations"),
            &t.owner,
            json!({}),
        )
        .await
        .ok(201);
    assert_eq!(opened["opened_by"]["kind"], "user");
    assert_eq!(opened["status"], "open");
    let timeline = t.timeline(&contact, &t.owner).await;
    assert_eq!(
        activities(&timeline),
        vec![
            "Conversation opened by visitor-1 Contact",
            "Conversation closed by Olivia Owner",
            "Conversation opened by Olivia Owner"
        ]
    );
}

#[tokio::test]
async fn replying_to_an_unassigned_contact_assigns_it_and_reopens_a_closed_conversation() {
    let t = TestServer::start().await;
    let (alice_id, alice) = t.user("Alice Agent", "agent").await;
    let (_, bob) = t.user("Bob Agent", "agent").await;
    let ch = t.channel("WhatsApp", true, None).await;
    let contact = t.incoming(&ch, "+1666", "m1", "Help please").await;

    let sent = t
        .post(
            &format!("/contacts/{contact}/messages"),
            &alice,
            json!({"client_id": client_id(), "text": "On it!"}),
        )
        .await
        .ok(201);
    assert_eq!(sent["direction"], "outgoing");
    let c = t.get(&format!("/contacts/{contact}"), &alice).await.ok(200);
    assert_eq!(c["assignee_id"], alice_id.as_str());
    assert_eq!(c["waiting_since"], Value::Null);

    // A reply by someone else keeps the assignee.
    t.post(
        &format!("/contacts/{contact}/messages"),
        &bob,
        json!({"client_id": client_id(), "text": "Me too"}),
    )
    .await
    .ok(201);
    assert_eq!(
        t.get(&format!("/contacts/{contact}"), &bob).await.ok(200)["assignee_id"],
        alice_id.as_str()
    );

    // Close, then reply: a new conversation opens, opened by the user; assignment was kept.
    let conv = c["open_conversation_id"].as_str().unwrap().to_owned();
    t.post(&format!("/conversations/{conv}/close"), &alice, json!({}))
        .await
        .ok(200);
    let c = t.get(&format!("/contacts/{contact}"), &alice).await.ok(200);
    assert_eq!(c["open_conversation_id"], Value::Null);
    assert_eq!(
        c["assignee_id"],
        alice_id.as_str(),
        "closing keeps the assignee"
    );
    t.post(
        &format!("/contacts/{contact}/messages"),
        &alice,
        json!({"client_id": client_id(), "text": "Following up"}),
    )
    .await
    .ok(201);
    let conversations = t
        .get(&format!("/contacts/{contact}/conversations"), &alice)
        .await
        .ok(200);
    let list = conversations.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[1]["opened_by"],
        json!({"kind": "user", "id": alice_id})
    );
    let timeline = t.timeline(&contact, &t.owner).await;
    assert_eq!(
        activities(&timeline),
        vec![
            "Conversation opened by +1666 Contact",
            "Assigned to Alice Agent by Alice Agent",
            "Conversation closed by Alice Agent",
            "Conversation opened by Alice Agent",
        ]
    );
    // first_response_at is the first user reply of the first conversation.
    let first = &list[0];
    assert!(first["first_response_at"].is_string(), "{first}");
}

#[tokio::test]
async fn closing_notes_follow_the_workspace_mode() {
    let t = TestServer::start().await;
    let ch = t.channel("Web chat", false, None).await;
    t.post(
        "/closing-note-categories",
        &t.owner,
        json!({"name": "Resolved", "description": "Question answered"}),
    )
    .await
    .ok(201);
    let (_, agent) = t.user("Cara Agent", "agent").await;

    let open_conv = |n: u32| {
        let t = &t;
        let ch = ch.clone();
        async move {
            let contact = t
                .incoming(&ch, &format!("v{n}"), &format!("m{n}"), "hi")
                .await;
            let c = t
                .get(&format!("/contacts/{contact}"), &t.owner)
                .await
                .ok(200);
            c["open_conversation_id"].as_str().unwrap().to_owned()
        }
    };

    t.patch(
        "/settings",
        &t.owner,
        json!({"closing_note_mode": "category_required"}),
    )
    .await
    .ok(200);
    let c1 = open_conv(1).await;
    let msg = t
        .post(
            &format!("/conversations/{c1}/close"),
            &agent,
            json!({"summary": "done"}),
        )
        .await
        .err(422, "closing_note_required");
    assert!(msg.contains("category"), "{msg}");
    let msg = t
        .post(
            &format!("/conversations/{c1}/close"),
            &agent,
            json!({"category": "Billing"}),
        )
        .await
        .err(422, "unknown_category");
    assert!(
        msg.contains("Resolved"),
        "the message lists the categories: {msg}"
    );
    let closed = t
        .post(
            &format!("/conversations/{c1}/close"),
            &agent,
            json!({"category": "resolved"}),
        )
        .await
        .ok(200);
    assert_eq!(
        closed["closing_note"],
        json!({"category": "Resolved", "summary": null})
    );
    assert_eq!(closed["closed_by"]["kind"], "user");
    t.post(
        &format!("/conversations/{c1}/close"),
        &agent,
        json!({"category": "Resolved"}),
    )
    .await
    .err(409, "conversation_not_open");

    t.patch(
        "/settings",
        &t.owner,
        json!({"closing_note_mode": "category_and_summary_required"}),
    )
    .await
    .ok(200);
    let c2 = open_conv(2).await;
    let msg = t
        .post(
            &format!("/conversations/{c2}/close"),
            &agent,
            json!({"category": "Resolved", "summary": "   "}),
        )
        .await
        .err(422, "closing_note_required");
    assert!(msg.contains("summary"), "{msg}");
    let closed = t
        .post(
            &format!("/conversations/{c2}/close"),
            &agent,
            json!({"category": "Resolved", "summary": "Explained the refund"}),
        )
        .await
        .ok(200);
    assert_eq!(closed["closing_note"]["summary"], "Explained the refund");
    // The closing note shows in the timeline's activity entry.
    let contact = closed["contact_id"].as_str().unwrap();
    let timeline = t.timeline(contact, &t.owner).await;
    let entry = timeline
        .iter()
        .find(|m| m["activity"]["kind"] == "conversation_closed")
        .unwrap();
    assert_eq!(entry["activity"]["closing_note"]["category"], "Resolved");

    t.patch(
        "/settings",
        &t.owner,
        json!({"closing_note_mode": "disabled"}),
    )
    .await
    .ok(200);
    let c3 = open_conv(3).await;
    let closed = t
        .post(
            &format!("/conversations/{c3}/close"),
            &agent,
            json!({"category": "Nope"}),
        )
        .await
        .ok(200);
    assert_eq!(
        closed["closing_note"],
        Value::Null,
        "disabled mode stores no note"
    );

    t.patch(
        "/settings",
        &t.owner,
        json!({"closing_note_mode": "optional"}),
    )
    .await
    .ok(200);
    let c4 = open_conv(4).await;
    t.post(&format!("/conversations/{c4}/close"), &agent, json!({}))
        .await
        .ok(200);

    // Unknown conversation and malformed bodies.
    t.post("/conversations/999999/close", &agent, json!({}))
        .await
        .err(404, "not_found");
    t.post(
        &format!("/conversations/{c4}/close"),
        &agent,
        json!({"category": 5}),
    )
    .await
    .err(400, "malformed_request");
}

#[tokio::test]
async fn unassign_on_close_unassigns_and_is_recorded() {
    let t = TestServer::start().await;
    let (alice_id, alice) = t.user("Alice Agent", "agent").await;
    let ch = t.channel("Web chat", false, None).await;
    let contact = t.incoming(&ch, "v1", "m1", "hi").await;
    t.put(
        &format!("/contacts/{contact}/assignee"),
        &t.owner,
        json!({"user_id": alice_id}),
    )
    .await
    .ok(200);
    t.patch("/settings", &t.owner, json!({"unassign_on_close": true}))
        .await
        .ok(200);
    let conv = t.get(&format!("/contacts/{contact}"), &alice).await.ok(200)["open_conversation_id"]
        .clone();
    t.post(
        &format!("/conversations/{}/close", conv.as_str().unwrap()),
        &alice,
        json!({}),
    )
    .await
    .ok(200);
    let c = t
        .get(&format!("/contacts/{contact}"), &t.owner)
        .await
        .ok(200);
    assert_eq!(c["assignee_id"], Value::Null);
    let timeline = t.timeline(&contact, &t.owner).await;
    assert_eq!(
        activities(&timeline).last().unwrap(),
        "Unassigned by the system"
    );
}

#[tokio::test]
async fn manual_assignment_checks_the_user_and_records_who_did_it() {
    let t = TestServer::start().await;
    let (alice_id, _) = t.user("Alice Agent", "agent").await;
    let (bob_id, bob) = t.user("Bob Agent", "agent").await;
    let ch = t.channel("Web chat", false, None).await;
    let contact = t.incoming(&ch, "v1", "m1", "hi").await;
    let path = format!("/contacts/{contact}/assignee");

    t.put(&path, &bob, json!({"user_id": alice_id}))
        .await
        .ok(200);
    // The same assignee again is a no-op (no second activity entry).
    t.put(&path, &bob, json!({"user_id": alice_id}))
        .await
        .ok(200);
    t.put(&path, &bob, json!({"user_id": null})).await.ok(200);
    t.put(&path, &bob, json!({"user_id": "424242"}))
        .await
        .err(404, "not_found");
    t.put(&path, &bob, json!({}))
        .await
        .err(400, "malformed_request");
    t.put("/contacts/424242/assignee", &bob, json!({"user_id": null}))
        .await
        .err(404, "not_found");

    t.call(
        reqwest::Method::DELETE,
        &format!("/users/{bob_id}"),
        &t.owner,
        None,
    )
    .await
    .ok(200);
    let msg = t
        .put(&path, &t.owner, json!({"user_id": bob_id}))
        .await
        .err(422, "rule_refused");
    assert!(msg.contains("removed"), "{msg}");

    let timeline = t.timeline(&contact, &t.owner).await;
    assert_eq!(
        activities(&timeline),
        vec![
            "Conversation opened by v1 Contact",
            "Assigned to Alice Agent by Bob Agent",
            "Unassigned by Bob Agent"
        ]
    );
}

#[tokio::test]
async fn removing_a_user_unassigns_their_contacts_and_ends_their_sessions() {
    let t = TestServer::start().await;
    let (alice_id, alice) = t.user("Alice Agent", "agent").await;
    let ch = t.channel("Web chat", false, None).await;
    let contact = t.incoming(&ch, "v1", "m1", "hi").await;
    t.put(
        &format!("/contacts/{contact}/assignee"),
        &t.owner,
        json!({"user_id": alice_id}),
    )
    .await
    .ok(200);
    t.call(
        reqwest::Method::DELETE,
        &format!("/users/{alice_id}"),
        &t.owner,
        None,
    )
    .await
    .ok(200);
    assert_eq!(
        t.get(&format!("/contacts/{contact}"), &t.owner)
            .await
            .ok(200)["assignee_id"],
        Value::Null
    );
    t.get("/me", &alice).await.err(401, "unauthenticated");
    let res = t
        .http
        .post(t.url("/auth/login"))
        .json(&json!({"email": "alice.agent@example.com", "password": "password-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "a removed user cannot sign in");
}

#[tokio::test]
async fn a_welcome_event_opens_a_conversation_by_welcome() {
    let t = TestServer::start().await;
    let ch = t.channel("Web chat", false, None).await;
    t.webhook(&ch, json!({"channelId": ch.id, "contactId": "w1", "events": [{"type": "welcome", "timestamp": 1}]}))
        .await
        .ok(200);
    let contact = t.contact_by_external("w1").await;
    let conversations = t
        .get(&format!("/contacts/{contact}/conversations"), &t.owner)
        .await
        .ok(200);
    assert_eq!(conversations[0]["opened_by"]["kind"], "welcome");
    // A second welcome while open changes nothing.
    t.webhook(&ch, json!({"channelId": ch.id, "contactId": "w1", "events": [{"type": "welcome", "timestamp": 2}]}))
        .await
        .ok(200);
    let conversations = t
        .get(&format!("/contacts/{contact}/conversations"), &t.owner)
        .await
        .ok(200);
    assert_eq!(conversations.as_array().unwrap().len(), 1);
}
