//! `messenger-server demo`: a seeded workspace, and simulated contacts writing in through the
//! real webhook (on the test run's database).
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[tokio::test]
async fn the_demo_seeds_a_realistic_workspace_and_keeps_contacts_writing() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = common::server_command(dir.path())
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let base = line
        .trim()
        .strip_prefix("messenger-server listening on ")
        .unwrap()
        .to_owned();
    let mut rest = String::new();
    for _ in 0..3 {
        out.read_line(&mut rest).unwrap();
    }
    assert!(
        rest.contains("owner@demo.example.com") && rest.contains("demo-password"),
        "{rest}"
    );

    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "alice@demo.example.com", "password": "demo-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let get = |path: &str| {
        let (http, url, token) = (http.clone(), format!("{base}/api/v1{path}"), token.clone());
        async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let snap = get("/snapshot").await;
    let contacts = snap["contacts"].as_array().unwrap();
    assert!(contacts.len() >= 300, "{} contacts", contacts.len());
    assert_eq!(snap["users"].as_array().unwrap().len(), 6);
    assert_eq!(snap["channels"].as_array().unwrap().len(), 2);
    assert!(snap["snippets"].as_array().unwrap().len() >= 5);
    assert!(snap["categories"].as_array().unwrap().len() >= 5);
    let conversations = snap["conversations"].as_array().unwrap();
    let open = conversations
        .iter()
        .filter(|c| c["status"] == "open")
        .count();
    let noted = conversations
        .iter()
        .filter(|c| c["closing_note"]["category"].is_string())
        .count();
    assert!(
        open > 50 && conversations.len() - open > 100,
        "open {open} of {}",
        conversations.len()
    );
    assert!(
        noted > 100,
        "closed conversations carry closing notes: {noted}"
    );
    assert!(
        contacts
            .iter()
            .any(|c| c["assignee_id"].is_null() && c["open_conversation_id"].is_string()),
        "some open contacts wait unassigned"
    );

    // The simulator writes in through the real webhook within a few seconds.
    let seq = snap["seq"].as_i64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = get(&format!("/sync?since={seq}")).await;
        let incoming = page["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "message.upserted" && e["data"]["direction"] == "incoming");
        if incoming {
            break;
        }
        assert!(Instant::now() < deadline, "no simulated message arrived");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // Started again on the same data, the demo does not seed twice.
    let mut child = common::server_command(dir.path())
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("messenger-server listening on ")
        .unwrap()
        .to_owned();
    let users: Value = http
        .get(format!("{base}/api/v1/users"))
        .bearer_auth(
            http.post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"email": "owner@demo.example.com", "password": "demo-password"}))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()["token"]
                .as_str()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users.as_array().unwrap().len(), 6);
    child.kill().unwrap();
    child.wait().unwrap();
}
