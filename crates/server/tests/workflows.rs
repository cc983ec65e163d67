//! Workflows over real HTTP: every trigger and step, both assignment strategies with
//! online-only and the cap, round-robin fairness across restarts, a crash between steps, and
//! validation errors that name the step.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::provider::Provider;
use common::{Channel, TestServer, client_id};
use serde_json::{Value, json};

async fn workflow(t: &TestServer, body: Value) -> String {
    t.post("/workflows", &t.owner, body).await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Waits until every queued job has run (the runner is live in these tests).
async fn settle(t: &TestServer) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    // A job may enqueue the next one after it finishes; an empty queue counts as settled only
    // when it stays empty for a few polls, so the test never races a run still under way.
    let mut empty_polls = 0;
    loop {
        let pending = t
            .server
            .state
            .store
            .read(|tx| Ok(tx.next_job_time()?))
            .await
            .unwrap();
        if pending.is_none() {
            empty_polls += 1;
            if empty_polls == 3 {
                return;
            }
        } else {
            empty_polls = 0;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "jobs did not settle"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn activities(tl: &[Value]) -> Vec<String> {
    tl.iter()
        .filter(|m| m["direction"] == "activity")
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

async fn comments(t: &TestServer, contact: &str) -> Vec<Value> {
    t.get(&format!("/contacts/{contact}/comments"), &t.owner)
        .await
        .ok(200)
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn each_trigger_runs_its_workflows_as_the_automation() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    let other = t.channel("Web chat", false, None).await;
    let (alice_id, alice) = t.user("Alice Agent", "agent").await;
    workflow(&t, json!({"name": "Greeter", "trigger": "conversation_opened", "conditions": {"channel_ids": [ch.id]},
        "steps": [{"type": "send_message", "text": "Hi {{contact.first_name}}, {{user.name}} here. An agent will be with you shortly."}]})).await;
    workflow(&t, json!({"name": "Refunds", "trigger": "message_received", "conditions": {"text_contains": "REFUND"},
        "steps": [{"type": "add_comment", "text": "Refund request: check the order."}]})).await;
    workflow(
        &t,
        json!({"name": "Welcome back", "trigger": "contact_assigned",
        "steps": [{"type": "add_comment", "text": "Assigned; SLA clock started."}]}),
    )
    .await;
    workflow(
        &t,
        json!({"name": "Survey", "trigger": "conversation_closed",
        "steps": [{"type": "send_message", "text": "Thanks! How did we do?"}]}),
    )
    .await;

    let contact = t.incoming(&ch, "+1", "m1", "I want a refund please").await;
    settle(&t).await;
    let tl = t.timeline(&contact, &t.owner).await;
    let greeting = tl
        .iter()
        .find(|m| m["direction"] == "outgoing")
        .expect("the greeter replied");
    assert_eq!(
        greeting["text"],
        "Hi +1, Greeter here. An agent will be with you shortly."
    );
    assert_eq!(greeting["sender"]["kind"], "automation");
    assert_eq!(greeting["sender"]["name"], "Greeter");
    let c = comments(&t, &contact).await;
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0]["author"],
        json!({"kind": "automation", "id": c[0]["author"]["id"], "name": "Refunds"})
    );
    assert_eq!(c[0]["author_id"], Value::Null);
    // The automation's reply neither assigned the contact nor counted as a first response.
    let contact_now = t
        .get(&format!("/contacts/{contact}"), &t.owner)
        .await
        .ok(200);
    assert_eq!(contact_now["assignee_id"], Value::Null);
    let conv = t
        .get(&format!("/contacts/{contact}/conversations"), &t.owner)
        .await
        .ok(200)[0]
        .clone();
    assert_eq!(conv["first_response_at"], Value::Null);

    t.put(
        &format!("/contacts/{contact}/assignee"),
        &t.owner,
        json!({"user_id": alice_id}),
    )
    .await
    .ok(200);
    settle(&t).await;
    assert_eq!(
        comments(&t, &contact).await.len(),
        2,
        "contact_assigned ran"
    );
    t.post(
        &format!("/conversations/{}/close", conv["id"].as_str().unwrap()),
        &alice,
        json!({}),
    )
    .await
    .ok(200);
    settle(&t).await;
    let tl = t.timeline(&contact, &t.owner).await;
    assert_eq!(tl.last().unwrap()["text"], "Thanks! How did we do?");
    // A reply of the survey after closing reopened a conversation, as the automation.
    let convs = t
        .get(&format!("/contacts/{contact}/conversations"), &t.owner)
        .await
        .ok(200);
    assert_eq!(convs[1]["opened_by"]["kind"], "automation");
    assert_eq!(convs[1]["opened_by"]["name"], "Survey");

    // Conditions: another channel does not greet; text without the word adds no comment.
    let web = t.incoming(&other, "v1", "w1", "hello").await;
    settle(&t).await;
    assert!(
        t.timeline(&web, &t.owner)
            .await
            .iter()
            .all(|m| m["direction"] != "outgoing")
    );
    assert!(comments(&t, &web).await.is_empty());
}

#[tokio::test]
async fn each_step_acts_and_shows_in_the_timeline_as_the_workflow() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let (alice_id, _) = t.user("Alice Agent", "agent").await;
    t.post(
        "/closing-note-categories",
        &t.owner,
        json!({"name": "Spam"}),
    )
    .await
    .ok(201);
    workflow(&t, json!({"name": "Triage", "trigger": "message_received", "conditions": {"text_contains": "buy cheap"},
        "steps": [
            {"type": "assign", "to": {"mode": "user", "user_id": alice_id}},
            {"type": "unassign"},
            {"type": "close_conversation", "category": "Spam", "summary": "Closed by triage"},
            {"type": "open_conversation"},
            {"type": "add_comment", "text": "Reopened for review"},
        ]})).await;
    let contact = t.incoming(&ch, "+9", "m1", "BUY CHEAP watches").await;
    settle(&t).await;
    let tl = t.timeline(&contact, &t.owner).await;
    assert_eq!(
        activities(&tl),
        vec![
            "Conversation opened by +9 Contact",
            "Assigned to Alice Agent by Workflow Triage",
            "Unassigned by Workflow Triage",
            "Conversation closed by Workflow Triage",
            "Conversation opened by Workflow Triage",
        ]
    );
    let convs = t
        .get(&format!("/contacts/{contact}/conversations"), &t.owner)
        .await
        .ok(200);
    assert_eq!(convs[0]["closed_by"]["kind"], "automation");
    assert_eq!(
        convs[0]["closing_note"],
        json!({"category": "Spam", "summary": "Closed by triage"})
    );
    assert_eq!(convs[1]["status"], "open");
    assert_eq!(
        comments(&t, &contact).await[0]["text"],
        "Reopened for review"
    );
}

#[tokio::test]
async fn validation_errors_name_the_bad_step() {
    let t = TestServer::start().await;
    let (_, agent) = t.user("Alice Agent", "agent").await;
    let cases = [
        (
            json!({"name": "x", "trigger": "message_received", "steps": [{"type": "unassign"}, {"type": "assign", "to": {"mode": "user", "user_id": "999"}}]}),
            "invalid_field",
            "steps[1] (assign): there is no user 999",
        ),
        (
            json!({"name": "x", "trigger": "message_received", "steps": [{"type": "close_conversation", "category": "Nope"}]}),
            "invalid_field",
            "steps[0] (close_conversation): there is no closing-note category",
        ),
        (
            json!({"name": "x", "trigger": "message_received", "steps": [{"type": "send_message", "text": " "}]}),
            "invalid_field",
            "steps[0] (send_message): the text is empty",
        ),
        (
            json!({"name": "x", "trigger": "message_received", "steps": [{"type": "assign", "to": {"mode": "pool", "strategy": "round_robin"}, "max_open": 0}]}),
            "invalid_field",
            "steps[0] (assign): max_open must be at least 1",
        ),
        (
            json!({"name": "x", "trigger": "message_received", "steps": []}),
            "invalid_field",
            "1 to 20 steps",
        ),
        (
            json!({"name": "x", "trigger": "conversation_opened", "conditions": {"text_contains": "x"}, "steps": [{"type": "unassign"}]}),
            "invalid_field",
            "text_contains only applies",
        ),
        (
            json!({"name": "x", "trigger": "on_tuesday", "steps": [{"type": "unassign"}]}),
            "malformed_request",
            "unknown variant",
        ),
        (
            json!({"name": "x", "trigger": "message_received", "steps": [{"type": "dance"}]}),
            "malformed_request",
            "unknown variant",
        ),
    ];
    for (body, code, expected) in cases {
        let message = t
            .post("/workflows", &t.owner, body.clone())
            .await
            .err(400, code);
        assert!(
            message.contains(expected),
            "{body}: {message:?} lacks {expected:?}"
        );
    }
    t.post(
        "/workflows",
        &agent,
        json!({"name": "x", "trigger": "message_received", "steps": [{"type": "unassign"}]}),
    )
    .await
    .err(403, "forbidden");
    t.get("/workflows", &agent).await.err(403, "forbidden");
    let id = workflow(
        &t,
        json!({"name": "ok", "trigger": "message_received", "steps": [{"type": "unassign"}]}),
    )
    .await;
    let replaced = t
        .put(&format!("/workflows/{id}"), &t.owner, json!({"name": "renamed", "enabled": false, "trigger": "contact_assigned", "steps": [{"type": "unassign"}]}))
        .await
        .ok(200);
    assert_eq!(
        (replaced["name"].as_str(), replaced["enabled"].as_bool()),
        (Some("renamed"), Some(false))
    );
    t.put(
        "/workflows/999",
        &t.owner,
        json!({"name": "x", "trigger": "message_received", "steps": [{"type": "unassign"}]}),
    )
    .await
    .err(404, "not_found");
    t.call(
        reqwest::Method::DELETE,
        &format!("/workflows/{id}"),
        &t.owner,
        None,
    )
    .await
    .ok(204);
    assert_eq!(t.get("/workflows", &t.owner).await.ok(200), json!([]));
}

async fn assignees(t: &TestServer, ch: &Channel, from: usize, to: usize) -> Vec<String> {
    let mut out = Vec::new();
    for i in from..to {
        let contact = t
            .incoming(ch, &format!("+{i}"), &format!("m{i}"), "hi")
            .await;
        settle(t).await;
        let c = t
            .get(&format!("/contacts/{contact}"), &t.owner)
            .await
            .ok(200);
        out.push(c["assignee_id"].as_str().unwrap_or("none").to_owned());
    }
    out
}

#[tokio::test]
async fn round_robin_takes_turns_among_online_users_under_the_cap_and_continues_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let t = TestServer::start_with(|c| c.data_dir = data.clone(), None).await;
    let ch = t.channel("WhatsApp", true, None).await;
    let (a, a_token) = t.user("Ann Agent", "agent").await;
    let (b, _) = t.user("Ben Agent", "agent").await;
    let (c, c_token) = t.user("Cyd Agent", "agent").await;
    for token in [&a_token, &c_token] {
        t.put("/me/status", token, json!({"status": "online"}))
            .await
            .ok(200);
    }
    t.put(
        "/me/status",
        &t.login("ben.agent@example.com", "password-123").await,
        json!({"status": "busy"}),
    )
    .await
    .ok(200);
    workflow(&t, json!({"name": "Spread", "trigger": "conversation_opened",
        "steps": [{"type": "assign", "to": {"mode": "pool", "strategy": "round_robin", "team": [a, b, c]}, "only_online": true, "max_open": 2}]})).await;

    // Ben is busy: turns go Ann, Cyd, Ann, Cyd; then both have 2 open and nobody fits.
    let got = assignees(&t, &ch, 0, 4).await;
    assert_eq!(got, vec![a.clone(), c.clone(), a.clone(), c.clone()]);
    let contact = t.incoming(&ch, "+4", "m4", "hi").await;
    settle(&t).await;
    assert_eq!(
        t.get(&format!("/contacts/{contact}"), &t.owner)
            .await
            .ok(200)["assignee_id"],
        Value::Null
    );
    let tl = t.timeline(&contact, &t.owner).await;
    assert_eq!(
        activities(&tl).last().unwrap(),
        "Workflow Spread could not assign: everyone in the team has 2 or more open contacts"
    );
    drop(t);

    // After a restart on the same data the turn continues where it stopped (after Cyd: Ann).
    let t = TestServer::start_with(|cfg| cfg.data_dir = data.clone(), None).await;
    let ch = Channel { ..ch };
    // Free Ann's and Cyd's capacity by closing their conversations.
    for contact in t.get("/contacts?view=all", &t.owner).await.ok(200)["items"]
        .as_array()
        .unwrap()
    {
        if let Some(conv) = contact["open_conversation_id"].as_str() {
            t.post(&format!("/conversations/{conv}/close"), &t.owner, json!({}))
                .await
                .ok(200);
        }
    }
    let got = assignees(&t, &ch, 10, 13).await;
    assert_eq!(got, vec![a.clone(), c.clone(), a.clone()]);
}

#[tokio::test]
async fn least_open_prefers_the_least_busy_and_nobody_online_is_recorded() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let (a, a_token) = t.user("Ann Agent", "agent").await;
    let (b, b_token) = t.user("Ben Agent", "agent").await;
    for token in [&a_token, &b_token] {
        t.put("/me/status", token, json!({"status": "online"}))
            .await
            .ok(200);
    }
    // Ann already has two open contacts.
    for i in 0..2 {
        let contact = t
            .incoming(&ch, &format!("pre{i}"), &format!("p{i}"), "hi")
            .await;
        t.put(
            &format!("/contacts/{contact}/assignee"),
            &t.owner,
            json!({"user_id": a}),
        )
        .await
        .ok(200);
    }
    workflow(&t, json!({"name": "Balance", "trigger": "conversation_opened",
        "steps": [{"type": "assign", "to": {"mode": "pool", "strategy": "least_open"}, "only_online": true}]})).await;
    let got = assignees(&t, &ch, 0, 3).await;
    // Ben has 0 then 1 then 2 while Ann stays at 2: Ben, Ben, then the tie goes by turns.
    assert_eq!(&got[..2], &[b.clone(), b.clone()]);
    assert!(got[2] == a || got[2] == b);

    for token in [&a_token, &b_token] {
        t.put("/me/status", token, json!({"status": "busy"}))
            .await
            .ok(200);
    }
    let contact = t.incoming(&ch, "late", "l1", "anyone?").await;
    settle(&t).await;
    let tl = t.timeline(&contact, &t.owner).await;
    assert_eq!(
        activities(&tl).last().unwrap(),
        "Workflow Balance could not assign: nobody among the agents is online"
    );
}

#[tokio::test]
async fn workflow_actions_do_not_trigger_workflows() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let (a, _) = t.user("Ann Agent", "agent").await;
    let (b, _) = t.user("Ben Agent", "agent").await;
    workflow(&t, json!({"name": "Ping", "trigger": "contact_assigned", "steps": [{"type": "assign", "to": {"mode": "user", "user_id": b}}]})).await;
    workflow(&t, json!({"name": "Pong", "trigger": "contact_assigned", "steps": [{"type": "assign", "to": {"mode": "user", "user_id": a}}]})).await;
    let contact = t.incoming(&ch, "+1", "m1", "hi").await;
    t.put(
        &format!("/contacts/{contact}/assignee"),
        &t.owner,
        json!({"user_id": a}),
    )
    .await
    .ok(200);
    settle(&t).await;
    let tl = t.timeline(&contact, &t.owner).await;
    // One manual assignment fired both workflows once each; their own assignments fired nothing.
    assert_eq!(activities(&tl).len(), 4, "{:?}", activities(&tl));
}

#[tokio::test]
async fn a_crash_between_steps_resumes_without_running_a_step_twice() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let t = TestServer::start_with(
        |c| {
            c.data_dir = data.clone();
            c.run_jobs = false;
        },
        None,
    )
    .await;
    let ch = t.channel("WhatsApp", true, None).await;
    let (a, _) = t.user("Ann Agent", "agent").await;
    workflow(
        &t,
        json!({"name": "Three", "trigger": "message_received", "steps": [
        {"type": "add_comment", "text": "step one"},
        {"type": "assign", "to": {"mode": "user", "user_id": a}},
        {"type": "add_comment", "text": "step three"}]}),
    )
    .await;
    let contact = t.incoming(&ch, "+1", "m1", "hi").await;
    // Run the first step only, then stop the server before the next.
    let state = t.server.state.clone();
    let now = state.clock.now();
    let jobs = state
        .store
        .read(move |tx| Ok(tx.due_jobs(now, 10)?))
        .await
        .unwrap();
    let run = jobs
        .iter()
        .find(|j| j.kind == "workflow_run")
        .unwrap()
        .clone();
    messenger_server::automation::workflow_runner::run_steps(&state, &run, 1).await;
    assert_eq!(comments(&t, &contact).await.len(), 1);
    drop(state);
    drop(t);

    let t = TestServer::start_with(|c| c.data_dir = data.clone(), None).await;
    settle(&t).await;
    let texts: Vec<String> = comments(&t, &contact)
        .await
        .iter()
        .map(|c| c["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        texts,
        vec!["step one", "step three"],
        "each step ran exactly once"
    );
    assert_eq!(
        t.get(&format!("/contacts/{contact}"), &t.owner)
            .await
            .ok(200)["assignee_id"],
        a.as_str()
    );
}

#[tokio::test]
async fn send_message_steps_fill_snippet_variables_and_are_delivered() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    workflow(
        &t,
        json!({"name": "Hello bot", "trigger": "message_received",
        "steps": [{"type": "send_message", "text": "Hola {{contact.first_name}}!"}]}),
    )
    .await;
    t.webhook(&ch, json!({"channelId": ch.id, "contactId": "+34", "contact": {"firstName": "María"},
        "events": [{"type": "message", "mId": "m1", "timestamp": 1, "message": {"type": "text", "text": "hola"}}]}))
        .await
        .ok(200);
    let contact = t.contact_by_external("+34").await;
    t.eventually(&contact, "the workflow's message delivered", |tl| {
        tl.iter()
            .any(|m| m["text"] == "Hola María!" && m["delivery"] == "sent")
    })
    .await;
    assert_eq!(
        provider.received()[0].body["message"]["text"],
        "Hola María!"
    );
    let _ = client_id();
}
