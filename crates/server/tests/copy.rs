//! `messenger-server copy`: a demo workspace moves from SQLite to PostgreSQL whole. The server
//! on PostgreSQL then answers as the one on SQLite did: the same sessions, contacts and log,
//! channel secrets that still open, ids and seqs that continue. Runs when
//! MESSENGER_TEST_DATABASE_URL names a PostgreSQL server (`scripts/postgres-cluster run`).
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{SERVER_BIN, spawn_server, test_database};
use serde_json::{Value, json};

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str, token: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, token, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    async fn login(&self, email: &str) -> String {
        let res: Value = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"email": email, "password": "demo-password"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        res["token"].as_str().unwrap().to_owned()
    }

    /// Every event of the log, as the owner reads it.
    async fn whole_log(&self, token: &str) -> Vec<Value> {
        let mut events = Vec::new();
        let mut since = 0;
        loop {
            let page = self
                .get(&format!("/sync?since={since}&limit=1000"), token)
                .await;
            let batch = page["events"].as_array().unwrap().clone();
            let next = page["next_seq"].as_i64().unwrap();
            events.extend(batch.iter().cloned());
            if batch.is_empty() || next == since {
                return events;
            }
            since = next;
        }
    }

    async fn webhook(&self, (channel, token): (&str, &str), contact: &str, m_id: &str) -> u16 {
        self.http
            .post(format!("{}/api/v1/custom-channel/webhook", self.base))
            .bearer_auth(token)
            .json(&json!({"channelId": channel, "contactId": contact,
                          "events": [{"type": "message", "mId": m_id, "timestamp": 1,
                                      "message": {"type": "text", "text": "moved?"}}]}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

fn copy(from: &str, to: &str) -> std::process::Output {
    Command::new(SERVER_BIN)
        .args(["copy", "--from", from, "--to", to])
        .env_remove("MESSENGER_DATABASE_URL")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_demo_workspace_moves_to_postgresql_whole_and_goes_on_there() {
    let Some(server) = test_database::postgres_server() else {
        eprintln!("skipped: MESSENGER_TEST_DATABASE_URL is not set");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("messenger.db");
    let sqlite_url = format!("sqlite://{}", db.display());
    let data_dir = dir.path().to_str().unwrap();

    // The source: the demo workspace, a channel of our own, and one inbound message.
    let (mut demo, base) = spawn_server([
        "demo",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data_dir,
        "--database",
        &sqlite_url,
    ]);
    let api = Api {
        http: reqwest::Client::new(),
        base,
    };
    let owner = api.login("owner@demo.example.com").await;
    let (status, channel) = api
        .call(
            reqwest::Method::POST,
            "/channels",
            &owner,
            Some(json!({"name": "Moved", "kind": "custom", "supports_voice": false})),
        )
        .await;
    assert_eq!(status, 201, "{channel}");
    let channel_token = channel["credentials"]["api_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let channel_id = channel["id"].as_str().unwrap().to_owned();
    let channel = (channel_id.as_str(), channel_token.as_str());
    assert_eq!(api.webhook(channel, "mover-1", "before-1").await, 200);
    demo.kill().unwrap();
    demo.wait().unwrap();
    // The simulator may have written until the kill: read the source as it is now.
    let (mut reader, base) = spawn_server([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data_dir,
        "--database",
        &sqlite_url,
    ]);
    let before = Api {
        http: reqwest::Client::new(),
        base,
    };
    let log_before = before.whole_log(&owner).await;
    let contacts_before = before.get("/contacts?limit=500", &owner).await;
    let users_before = before.get("/users", &owner).await;
    reader.kill().unwrap();
    reader.wait().unwrap();
    assert!(
        log_before.len() > 1000,
        "the demo writes a real history: {}",
        log_before.len()
    );

    let target = test_database::fresh_database(&server);
    let out = copy(&sqlite_url, &target);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "copy failed: {stderr}");
    assert!(
        stdout.contains("messages") && stdout.contains("copied "),
        "{stdout}"
    );
    assert!(
        stderr.contains("copy: messages:"),
        "progress is printed: {stderr}"
    );

    // The same workspace, served from PostgreSQL with the same data dir (key, files).
    let (mut pg, base) = spawn_server([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data_dir,
        "--database",
        &target,
    ]);
    let after = Api {
        http: reqwest::Client::new(),
        base,
    };
    // The owner's session came along: the token from SQLite works.
    let log_after = after.whole_log(&owner).await;
    assert_eq!(log_after.len(), log_before.len());
    for (a, b) in log_before.iter().zip(&log_after) {
        assert_eq!(a, b, "every event, its seq and its data are the same");
    }
    assert_eq!(
        after.get("/contacts?limit=500", &owner).await,
        contacts_before
    );
    assert_eq!(after.get("/users", &owner).await, users_before);
    // Passwords came along too.
    let alice = after.login("alice@demo.example.com").await;
    assert!(!alice.is_empty());

    // The channel's sealed token still opens; the repeat of a copied mId is still a repeat;
    // a new message continues the log and the ids.
    assert_eq!(after.webhook(channel, "mover-1", "before-1").await, 200);
    let last_seq = log_before.last().unwrap()["seq"].as_i64().unwrap();
    let since = after.get(&format!("/sync?since={last_seq}"), &owner).await;
    assert!(
        since["events"].as_array().unwrap().is_empty(),
        "a repeat adds nothing: {since}"
    );
    assert_eq!(after.webhook(channel, "mover-1", "after-1").await, 200);
    let new = after.get(&format!("/sync?since={last_seq}"), &owner).await;
    let new_events = new["events"].as_array().unwrap();
    assert!(!new_events.is_empty());
    assert_eq!(
        new_events[0]["seq"].as_i64().unwrap(),
        last_seq + 1,
        "no gap, no reuse"
    );
    let message = new_events
        .iter()
        .find(|e| e["type"] == "message.upserted")
        .unwrap();
    assert_eq!(message["data"]["text"], "moved?");
    pg.kill().unwrap();
    pg.wait().unwrap();

    // A database that holds a workspace is refused, and left as it was.
    let again = copy(&sqlite_url, &target);
    assert!(!again.status.success());
    let message = String::from_utf8_lossy(&again.stderr);
    assert!(message.contains("not empty"), "{message}");
}

#[test]
fn copy_refuses_what_it_cannot_copy_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "postgres://nowhere/db",
            "postgres://127.0.0.1:1/x",
            "--from must be sqlite://PATH",
        ),
        (
            "sqlite:///nonexistent/messenger.db",
            "postgres://127.0.0.1:1/x",
            "does not exist",
        ),
        (
            &*format!("sqlite://{}", dir.path().join("m.db").display()),
            "mysql://db",
            "--to must be a postgres://",
        ),
    ];
    for (from, to, expected) in cases {
        let out = copy(from, to);
        assert!(!out.status.success(), "{from} → {to}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{from} → {to}: {stderr}");
    }
}
