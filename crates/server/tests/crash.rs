//! Durability: the server process is killed (SIGKILL) during a burst of inbound webhooks;
//! every message that was answered 200 is there after a restart (on the test run's database:
//! the SQLite file, or PostgreSQL).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_webhook_survives_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::server_command(dir.path())
        .args([
            "user",
            "add",
            "--email",
            "o@example.com",
            "--name",
            "O",
            "--password",
            "owner-password",
            "--role",
            "owner",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let (mut child, base) = common::serve(dir.path(), "127.0.0.1:0", &[]);
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "o@example.com", "password": "owner-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let ch: Value = http
        .post(format!("{base}/api/v1/channels"))
        .bearer_auth(&token)
        .json(&json!({"name": "WhatsApp", "kind": "custom"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (channel, api_token) = (
        ch["id"].as_str().unwrap().to_owned(),
        ch["credentials"]["api_token"].as_str().unwrap().to_owned(),
    );

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let senders: Vec<_> = (0..32)
        .map(|s| {
            let (http, url, api_token, channel, acked) = (http.clone(), format!("{base}/api/v1/custom-channel/webhook"), api_token.clone(), channel.clone(), acked.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let m = format!("s{s}-{i}");
                    let body = json!({"channelId": channel, "contactId": format!("c{}", i % 50), "events": [
                        {"type": "message", "mId": m, "timestamp": 1, "message": {"type": "text", "text": m}}]});
                    match http.post(&url).bearer_auth(&api_token).json(&body).send().await {
                        Ok(res) if res.status() == 200 => acked.lock().unwrap().push(m),
                        _ => return,
                    }
                }
            })
        })
        .collect();
    // Let the burst run, then pull the plug.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    for s in senders {
        let _ = s.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 100,
        "the burst was too small to mean anything: {}",
        acked.len()
    );

    let (mut child, base) = common::serve(dir.path(), "127.0.0.1:0", &[]);
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "o@example.com", "password": "owner-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let mut stored = std::collections::HashSet::new();
    let mut since = 0i64;
    loop {
        let page: Value = http
            .get(format!("{base}/api/v1/sync?since={since}&limit=5000"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for e in page["events"].as_array().unwrap() {
            if e["type"] == "message.upserted" && e["data"]["direction"] == "incoming" {
                stored.insert(e["data"]["text"].as_str().unwrap().to_owned());
            }
        }
        since = page["next_seq"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    let lost: Vec<&String> = acked.iter().filter(|m| !stored.contains(*m)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged messages were lost: {:?}",
        lost.len(),
        acked.len(),
        &lost[..lost.len().min(10)]
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
