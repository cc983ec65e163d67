//! Users and roles, settings, closing-note categories, channels, and agent visibility on every
//! endpoint.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, client_id};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn owners_and_managers_administer_and_agents_do_not() {
    let t = TestServer::start().await;
    let (manager_id, manager) = t.user("Mona Manager", "manager").await;
    let (agent_id, agent) = t.user("Alice Agent", "agent").await;
    let (_, plain) = t.user("Plain Agent", "agent").await;

    // Managers add agents and managers, not owners; agents add nobody.
    t.post("/users", &manager, json!({"name": "New Agent", "email": "new@example.com", "password": "password-123", "role": "agent"})).await.ok(201);
    t.post("/users", &manager, json!({"name": "Boss", "email": "boss@example.com", "password": "password-123", "role": "owner"})).await.err(403, "forbidden");
    t.post(
        "/users",
        &agent,
        json!({"name": "X", "email": "x@example.com", "password": "password-123", "role": "agent"}),
    )
    .await
    .err(403, "forbidden");
    t.post("/users", &t.owner, json!({"name": "Dup", "email": "NEW@example.com", "password": "password-123", "role": "agent"})).await.err(409, "conflict");
    t.post(
        "/users",
        &t.owner,
        json!({"name": "Weak", "email": "weak@example.com", "password": "short", "role": "agent"}),
    )
    .await
    .err(400, "invalid_field");
    t.post("/users", &t.owner, json!({"name": "Bad", "email": "not-an-email", "password": "password-123", "role": "agent"})).await.err(400, "invalid_field");
    t.post("/users", &t.owner, json!({"name": "Bad", "email": "b@example.com", "password": "password-123", "role": "admin"})).await.err(400, "malformed_request");

    // Everyone may list users and change their own details; only managers change others.
    let users = t.get("/users", &agent).await.ok(200);
    assert_eq!(users.as_array().unwrap().len(), 5);
    assert!(
        users
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u.get("password_hash").is_none())
    );
    t.patch(
        &format!("/users/{agent_id}"),
        &agent,
        json!({"name": "Alice A."}),
    )
    .await
    .ok(200);
    t.patch(
        &format!("/users/{agent_id}"),
        &agent,
        json!({"role": "manager"}),
    )
    .await
    .err(403, "forbidden");
    t.patch(
        &format!("/users/{manager_id}"),
        &agent,
        json!({"name": "Hacked"}),
    )
    .await
    .err(403, "forbidden");
    t.patch(
        &format!("/users/{agent_id}"),
        &manager,
        json!({"role": "manager"}),
    )
    .await
    .ok(200);
    t.patch(
        "/users/1",
        &manager,
        json!({"name": "Owner renamed by a manager"}),
    )
    .await
    .err(403, "forbidden");
    // A new password works at once.
    t.patch(
        &format!("/users/{agent_id}"),
        &agent,
        json!({"password": "new-password-1", "current_password": "password-123"}),
    )
    .await
    .ok(200);
    t.login("alice.agent@example.com", "new-password-1").await;

    // The last owner stays.
    t.patch("/users/1", &t.owner, json!({"role": "manager"}))
        .await
        .err(422, "rule_refused");
    t.call(Method::DELETE, "/users/1", &t.owner, None)
        .await
        .err(422, "rule_refused");
    t.call(Method::DELETE, "/users/999", &t.owner, None)
        .await
        .err(404, "not_found");

    // Settings and categories are for owners and managers.
    t.patch("/settings", &plain, json!({"unassign_on_close": true}))
        .await
        .err(403, "forbidden");
    t.patch("/settings", &manager, json!({"offline_after_minutes": 61}))
        .await
        .err(400, "invalid_field");
    t.patch("/settings", &manager, json!({"agent_visibility": "nobody"}))
        .await
        .err(400, "malformed_request");
    let s = t
        .patch("/settings", &manager, json!({"offline_after_minutes": 15}))
        .await
        .ok(200);
    assert_eq!(s["offline_after_minutes"], 15);
    assert_eq!(t.get("/settings", &agent).await.ok(200), s);

    let c = t
        .post(
            "/closing-note-categories",
            &manager,
            json!({"name": "Refund", "description": "Money back"}),
        )
        .await
        .ok(201);
    t.post(
        "/closing-note-categories",
        &manager,
        json!({"name": "refund"}),
    )
    .await
    .err(409, "conflict");
    t.post(
        "/closing-note-categories",
        &manager,
        json!({"description": "no name"}),
    )
    .await
    .err(400, "invalid_field");
    let id = c["id"].as_str().unwrap();
    t.patch(
        &format!("/closing-note-categories/{id}"),
        &manager,
        json!({"description": "Refund issued"}),
    )
    .await
    .ok(200);
    assert_eq!(
        t.get("/closing-note-categories", &agent).await.ok(200)[0]["description"],
        "Refund issued"
    );
    t.call(
        Method::DELETE,
        &format!("/closing-note-categories/{id}"),
        &manager,
        None,
    )
    .await
    .ok(204);
    t.call(
        Method::DELETE,
        &format!("/closing-note-categories/{id}"),
        &manager,
        None,
    )
    .await
    .err(404, "not_found");

    // Channels: credentials only for administrators.
    t.post("/channels", &plain, json!({"name": "X", "kind": "custom"}))
        .await
        .err(403, "forbidden");
    t.post(
        "/channels",
        &t.owner,
        json!({"name": "X", "kind": "custom", "outbound_url": "ftp://x"}),
    )
    .await
    .err(400, "invalid_field");
    t.post("/channels", &t.owner, json!({"name": "X", "kind": "sms"}))
        .await
        .err(400, "malformed_request");
    let ch = t
        .post(
            "/channels",
            &t.owner,
            json!({"name": "WhatsApp", "kind": "custom", "supports_voice": true}),
        )
        .await
        .ok(201);
    assert!(
        ch["credentials"]["webhook_url"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1/custom-channel/webhook")
    );
    let plain = t.get("/channels", &plain).await.ok(200);
    assert_eq!(plain[0]["credentials"], Value::Null);
    assert!(t.get("/channels", &manager).await.ok(200)[0]["credentials"]["api_token"].is_string());
}

#[tokio::test]
async fn the_server_states_capabilities_and_closing_note_rules_as_data() {
    let t = TestServer::start().await;
    let (manager_id, manager) = t.user("Mona Manager", "manager").await;
    let (agent_id, agent) = t.user("Alice Agent", "agent").await;
    let all = json!({"administer": true, "merge_contacts": true, "manage_api_tokens": true});
    let none = json!({"administer": false, "merge_contacts": false, "manage_api_tokens": false});
    // Each user carries what they may do: in the snapshot, the user list and the log.
    let snap = t.get("/snapshot", &agent).await.ok(200);
    assert_eq!(snap["me"]["capabilities"], none);
    let listed = |id: &str| {
        snap["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == id)
            .map(|u| u["capabilities"].clone())
    };
    assert_eq!(listed(&manager_id), Some(all.clone()));
    assert_eq!(listed(&agent_id), Some(none.clone()));
    assert_eq!(
        t.get("/snapshot", &manager).await.ok(200)["me"]["capabilities"],
        all
    );
    let seq = snap["seq"].as_i64().unwrap();
    t.patch(
        &format!("/users/{agent_id}"),
        &t.owner,
        json!({"role": "manager"}),
    )
    .await
    .ok(200);
    let page = t.get(&format!("/sync?since={seq}"), &t.owner).await.ok(200);
    let promoted = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["type"] == "user.upserted" && e["data"]["id"] == agent_id.as_str())
        .expect("the promotion is logged");
    assert_eq!(promoted["data"]["capabilities"], all);

    // Every refusal says whether the same request may pass later.
    let gone = t.get("/contacts/987654", &agent).await;
    assert_eq!(gone.body["error"]["may_pass_later"], false, "{}", gone.body);
    let (_, plain) = t.user("Plain Agent", "agent").await;
    let denied = t
        .patch(
            "/settings",
            &plain,
            json!({"closing_note_mode": "disabled"}),
        )
        .await;
    assert_eq!(
        denied.body["error"]["may_pass_later"], true,
        "{}",
        denied.body
    );

    // The settings say what closing asks for under each mode.
    for (mode, rules) in [
        (
            "disabled",
            json!({"asked": false, "category_required": false, "summary_required": false}),
        ),
        (
            "optional",
            json!({"asked": true, "category_required": false, "summary_required": false}),
        ),
        (
            "category_required",
            json!({"asked": true, "category_required": true, "summary_required": false}),
        ),
        (
            "category_and_summary_required",
            json!({"asked": true, "category_required": true, "summary_required": true}),
        ),
    ] {
        let after = t
            .patch("/settings", &t.owner, json!({"closing_note_mode": mode}))
            .await
            .ok(200);
        assert_eq!(after["closing_note"], rules, "{mode}");
        assert_eq!(
            t.get("/settings", &manager).await.ok(200)["closing_note"],
            rules,
            "{mode}"
        );
        assert_eq!(
            t.get("/snapshot", &manager).await.ok(200)["settings"]["closing_note"],
            rules
        );
    }
    let page = t.get(&format!("/sync?since={seq}"), &t.owner).await.ok(200);
    let last = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["type"] == "settings.updated")
        .expect("settings changes are logged");
    assert_eq!(last["data"]["closing_note"]["summary_required"], true);
}

#[tokio::test]
async fn status_is_online_or_busy_by_choice_never_offline() {
    let t = TestServer::start().await;
    let (_, agent) = t.user("Alice Agent", "agent").await;
    assert_eq!(
        t.put("/me/status", &agent, json!({"status": "busy"}))
            .await
            .ok(200)["status"],
        "busy"
    );
    assert_eq!(t.get("/me", &agent).await.ok(200)["status"], "busy");
    t.put("/me/status", &agent, json!({"status": "offline"}))
        .await
        .err(400, "invalid_field");
    t.put("/me/status", &agent, json!({"status": "away"}))
        .await
        .err(400, "malformed_request");
}

#[tokio::test]
async fn agent_visibility_is_enforced_on_every_endpoint() {
    let t = TestServer::start().await;
    let (alice_id, alice) = t.user("Alice Agent", "agent").await;
    let (bob_id, bob) = t.user("Bob Agent", "agent").await;
    let (_, manager) = t.user("Mona Manager", "manager").await;
    let ch = t.channel("WhatsApp", true, None).await;
    let alices = t.incoming(&ch, "+1", "m1", "for alice").await;
    let bobs = t.incoming(&ch, "+2", "m2", "for bob").await;
    let nobodys = t.incoming(&ch, "+3", "m3", "unassigned").await;
    t.put(
        &format!("/contacts/{alices}/assignee"),
        &t.owner,
        json!({"user_id": alice_id}),
    )
    .await
    .ok(200);
    t.put(
        &format!("/contacts/{bobs}/assignee"),
        &t.owner,
        json!({"user_id": bob_id}),
    )
    .await
    .ok(200);
    let bob_conv = t.get(&format!("/contacts/{bobs}"), &bob).await.ok(200)["open_conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let list = |token: String| {
        let t = &t;
        async move {
            let mut ids: Vec<String> = t.get("/contacts?status=any", &token).await.ok(200)["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    let mut all = vec![alices.clone(), bobs.clone(), nobodys.clone()];
    all.sort();
    assert_eq!(list(alice.clone()).await, all, "visibility all");

    t.patch(
        "/settings",
        &t.owner,
        json!({"agent_visibility": "assigned_and_unassigned"}),
    )
    .await
    .ok(200);
    let mut seen = vec![alices.clone(), nobodys.clone()];
    seen.sort();
    assert_eq!(list(alice.clone()).await, seen);
    assert_eq!(list(manager.clone()).await, all, "managers see everything");
    // Every endpoint about Bob's contact answers 404 for Alice, as if it did not exist.
    let cid = client_id();
    for (method, path, body) in [
        (Method::GET, format!("/contacts/{bobs}"), None),
        (
            Method::PATCH,
            format!("/contacts/{bobs}"),
            Some(json!({"name": "x"})),
        ),
        (
            Method::PUT,
            format!("/contacts/{bobs}/assignee"),
            Some(json!({"user_id": alice_id})),
        ),
        (Method::GET, format!("/contacts/{bobs}/conversations"), None),
        (
            Method::POST,
            format!("/contacts/{bobs}/conversations"),
            Some(json!({})),
        ),
        (Method::GET, format!("/contacts/{bobs}/messages"), None),
        (
            Method::POST,
            format!("/contacts/{bobs}/messages"),
            Some(json!({"client_id": cid, "text": "x"})),
        ),
        (Method::GET, format!("/contacts/{bobs}/comments"), None),
        (
            Method::POST,
            format!("/contacts/{bobs}/comments"),
            Some(json!({"text": "x"})),
        ),
        (
            Method::POST,
            format!("/conversations/{bob_conv}/close"),
            Some(json!({})),
        ),
    ] {
        let a = t.call(method.clone(), &path, &alice, body).await;
        assert_eq!(a.status, 404, "{method} {path}: {}", a.body);
    }
    let snapshot = t.get("/snapshot", &alice).await.ok(200);
    assert!(
        snapshot["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["contact_id"] != bobs.as_str())
    );

    t.patch(
        "/settings",
        &t.owner,
        json!({"agent_visibility": "assigned"}),
    )
    .await
    .ok(200);
    assert_eq!(list(alice.clone()).await, vec![alices.clone()]);
    assert_eq!(
        t.get("/contacts?view=unassigned&status=any", &alice)
            .await
            .ok(200)["items"],
        json!([])
    );
    t.get(&format!("/contacts/{nobodys}"), &alice)
        .await
        .err(404, "not_found");
}
