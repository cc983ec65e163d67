//! The `messenger-server` binary: `user add` and `serve` as DESIGN.md writes them.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_messenger-server");

fn user_add(data_dir: &std::path::Path, email: &str, extra: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args([
            "user",
            "add",
            "--email",
            email,
            "--name",
            "Olivia Owner",
            "--password",
            "owner-password",
            "--role",
            "owner",
        ])
        .args(extra)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .unwrap()
}

#[test]
fn user_add_creates_once_and_refuses_a_duplicate_email() {
    let dir = tempfile::tempdir().unwrap();
    let out = user_add(dir.path(), "olivia@example.com", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("added Olivia Owner <olivia@example.com> as owner"),
        "{stdout}"
    );
    assert!(dir.path().join("messenger.db").exists());

    let again = user_add(dir.path(), "OLIVIA@example.com", &[]);
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already exists"), "{stderr}");

    let skipped = user_add(dir.path(), "second@example.com", &["--if-no-users"]);
    assert!(skipped.status.success());
    assert!(String::from_utf8_lossy(&skipped.stdout).contains("already has 1 user"));
}

#[test]
fn user_add_explains_a_weak_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args([
            "user",
            "add",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--password",
            "short",
            "--role",
            "agent",
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 8 characters"));
}

#[tokio::test]
async fn serve_prints_its_address_and_accepts_a_user_added_by_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        user_add(dir.path(), "olivia@example.com", &[])
            .status
            .success()
    );
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
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

    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "olivia@example.com", "password": "owner-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["user"]["name"], "Olivia Owner");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn serve_says_when_postgresql_cannot_be_reached() {
    let dir = tempfile::tempdir().unwrap();
    // Port 1 on loopback: nothing listens there.
    let out = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            "postgres://someone:hunter2@127.0.0.1:1/x",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot reach PostgreSQL at 127.0.0.1:1 (database x)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2"),
        "the password stays out: {stderr}"
    );
}
