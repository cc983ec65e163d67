//! Report figures against hand-computed values on a scripted timeline (a manual clock, no
//! sleeps).
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{TestServer, client_id};
use serde_json::{Value, json};

const MIN: i64 = 60_000;

async fn settle(t: &TestServer) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
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

fn at(t: &TestServer, when: &str) {
    t.clock
        .as_ref()
        .unwrap()
        .set(messenger_protocol::Timestamp::parse(when).unwrap());
}

fn stats(v: &Value) -> (u64, f64, f64, f64) {
    (
        v["count"].as_u64().unwrap(),
        v["avg"].as_f64().unwrap(),
        v["median"].as_f64().unwrap(),
        v["p90"].as_f64().unwrap(),
    )
}

#[tokio::test]
async fn figures_match_a_hand_computed_timeline() {
    let t = TestServer::start_manual_clock().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let bot_ch = t.channel("Bot line", false, None).await;
    let (alice_id, alice) = t.user("Alice Agent", "agent").await;
    let (bob_id, bob) = t.user("Bob Agent", "agent").await;
    t.post("/workflows", &t.owner, json!({"name": "Auto-reply", "trigger": "conversation_opened",
        "conditions": {"channel_ids": [bot_ch.id]}, "steps": [{"type": "send_message", "text": "We got your message."}]}))
        .await
        .ok(201);
    let reply = |token: String, contact: String| {
        let t = &t;
        async move {
            t.post(
                &format!("/contacts/{contact}/messages"),
                &token,
                json!({"client_id": client_id(), "text": "Hello"}),
            )
            .await
            .ok(201);
        }
    };
    let close = |token: String, contact: String| {
        let t = &t;
        async move {
            let c = t
                .get(&format!("/contacts/{contact}"), &t.owner)
                .await
                .ok(200);
            t.post(
                &format!(
                    "/conversations/{}/close",
                    c["open_conversation_id"].as_str().unwrap()
                ),
                &token,
                json!({}),
            )
            .await
            .ok(200);
        }
    };

    // A: opened 11-02 09:00, Alice answers after 2 min, closes after 30 min.
    at(&t, "2026-11-02T09:00:00Z");
    let a = t.incoming(&ch, "a", "a1", "hi").await;
    at(&t, "2026-11-02T09:02:00Z");
    reply(alice.clone(), a.clone()).await;
    at(&t, "2026-11-02T09:30:00Z");
    close(alice.clone(), a.clone()).await;
    // B: opened 10:00, Bob answers after 10 min, closes after 2 h.
    at(&t, "2026-11-02T10:00:00Z");
    let b = t.incoming(&ch, "b", "b1", "hi").await;
    at(&t, "2026-11-02T10:10:00Z");
    reply(bob.clone(), b.clone()).await;
    at(&t, "2026-11-02T12:00:00Z");
    close(bob.clone(), b.clone()).await;
    // C: opened 11-03 08:00, Alice answers after 1 min, closes a day later.
    at(&t, "2026-11-03T08:00:00Z");
    let c = t.incoming(&ch, "c", "c1", "hi").await;
    at(&t, "2026-11-03T08:01:00Z");
    reply(alice.clone(), c.clone()).await;
    // D: opened 11-03 09:00, never answered.
    at(&t, "2026-11-03T09:00:00Z");
    t.incoming(&ch, "d", "d1", "hi").await;
    // E: opened 11-03 10:00 on the bot line; the automation answers at once (does not count),
    // Bob answers after 30 min.
    at(&t, "2026-11-03T10:00:00Z");
    let e = t.incoming(&bot_ch, "e", "e1", "hi").await;
    settle(&t).await;
    assert!(
        t.timeline(&e, &t.owner)
            .await
            .iter()
            .any(|m| m["sender"]["kind"] == "automation" && m["direction"] == "outgoing")
    );
    at(&t, "2026-11-03T10:30:00Z");
    reply(bob.clone(), e.clone()).await;
    at(&t, "2026-11-04T08:00:00Z");
    close(alice.clone(), c.clone()).await;
    // Outside the period: opened and closed on 11-05.
    at(&t, "2026-11-05T08:00:00Z");
    let f = t.incoming(&ch, "f", "f1", "hi").await;
    close(t.owner.clone(), f).await;
    let _ = MIN;

    let token = t.login("owner@example.com", "owner-password").await;
    let r = t
        .get(
            "/reports/conversations?from=2026-11-02&to=2026-11-04",
            &token,
        )
        .await
        .ok(200);
    assert_eq!(
        (r["opened"].as_u64(), r["closed"].as_u64()),
        (Some(5), Some(3))
    );
    // First responses 60, 120, 600, 1800 s: avg 645, nearest-rank median 120, p90 1800.
    assert_eq!(
        stats(&r["first_response_time_s"]),
        (4, 645.0, 120.0, 1800.0)
    );
    // Resolutions 1800, 7200, 86400 s.
    assert_eq!(
        stats(&r["resolution_time_s"]),
        (3, 31800.0, 7200.0, 86400.0)
    );

    let user = |id: Option<&str>| {
        r["by_user"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["user_id"].as_str() == id)
            .unwrap()
            .clone()
    };
    let alice_row = user(Some(&alice_id));
    assert_eq!(
        (alice_row["opened"].as_u64(), alice_row["closed"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(
        stats(&alice_row["first_response_time_s"]),
        (2, 90.0, 60.0, 120.0)
    );
    assert_eq!(
        stats(&alice_row["resolution_time_s"]),
        (2, 44100.0, 1800.0, 86400.0)
    );
    let bob_row = user(Some(&bob_id));
    assert_eq!(
        stats(&bob_row["first_response_time_s"]),
        (2, 1200.0, 600.0, 1800.0)
    );
    assert_eq!(
        stats(&bob_row["resolution_time_s"]),
        (1, 7200.0, 7200.0, 7200.0)
    );
    assert_eq!(
        user(None)["opened"].as_u64(),
        Some(5),
        "all five opened while unassigned"
    );

    let days: Vec<(String, u64, u64)> = r["by_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["day"].as_str().unwrap().to_owned(),
                d["opened"].as_u64().unwrap(),
                d["closed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        vec![
            ("2026-11-02".into(), 2, 2),
            ("2026-11-03".into(), 3, 0),
            ("2026-11-04".into(), 0, 1)
        ]
    );
    assert_eq!(
        stats(&r["by_day"][1]["first_response_time_s"]),
        (2, 930.0, 60.0, 1800.0)
    );
    assert_eq!(r["by_day"][2]["first_response_time_s"]["count"], 0);

    let only_alice = t
        .get(
            &format!("/reports/conversations?from=2026-11-02&to=2026-11-04&user_id={alice_id}"),
            &token,
        )
        .await
        .ok(200);
    assert_eq!(
        (only_alice["opened"].as_u64(), only_alice["closed"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(only_alice["first_response_time_s"]["count"], 2);

    // The default period is the last seven days up to today.
    let week = t.get("/reports/conversations", &token).await.ok(200);
    assert_eq!(
        (week["from"].as_str(), week["to"].as_str()),
        (Some("2026-10-30"), Some("2026-11-05"))
    );
    assert_eq!(week["opened"].as_u64(), Some(6));

    t.get(
        "/reports/conversations?from=2026-11-04&to=2026-11-02",
        &token,
    )
    .await
    .err(400, "invalid_field");
    t.get("/reports/conversations?from=yesterday", &token)
        .await
        .err(400, "invalid_field");
    t.get(
        "/reports/conversations?from=2024-01-01&to=2026-01-01",
        &token,
    )
    .await
    .err(400, "invalid_field");
    t.get("/reports/conversations?team=1", &token)
        .await
        .err(400, "malformed_request");
}

#[tokio::test]
async fn reports_are_rebuilt_from_the_recorded_facts_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let t = TestServer::start_with(|c| c.data_dir = data.clone(), None).await;
    let ch = t.channel("WhatsApp", true, None).await;
    for i in 0..3 {
        let c = t
            .incoming(&ch, &format!("{i}"), &format!("m{i}"), "hi")
            .await;
        t.post(
            &format!("/contacts/{c}/messages"),
            &t.owner,
            json!({"client_id": client_id(), "text": "x"}),
        )
        .await
        .ok(201);
    }
    let before = t.get("/reports/conversations", &t.owner).await.ok(200);
    drop(t);
    let t = TestServer::start_with(|c| c.data_dir = data.clone(), None).await;
    let after = t.get("/reports/conversations", &t.owner).await.ok(200);
    assert_eq!(before, after);
    assert_eq!(after["opened"].as_u64(), Some(3));
    assert_eq!(after["first_response_time_s"]["count"].as_u64(), Some(3));
}
