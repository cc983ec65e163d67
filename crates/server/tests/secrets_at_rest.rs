//! Channel secrets at rest: the database holds neither a channel's api_token nor its
//! signing_secret, yet the webhook accepts the token, deliveries are signed with the secret,
//! a restart on the same data keeps working, the key file is the owner's alone, and a wrong
//! or missing key stops the server at start with a sentence instead of garbage. The first test
//! reads the SQLite file, so it runs on SQLite in every test run; the key checks run on the
//! test run's database (PostgreSQL keeps the same key check).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use common::provider::Provider;
use common::{Channel, TestServer, client_id};
use hmac::{Hmac, Mac};
use messenger_server::app;
use messenger_server::clock::SystemClock;
use messenger_server::secrets::{SecretKey, SecretKeySetting};
use serde_json::json;
use sha2::Sha256;

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Every byte SQLite keeps for the database: the main file and its write-ahead log.
fn database_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(dir.join("messenger.db")).unwrap();
    bytes.extend(std::fs::read(dir.join("messenger.db-wal")).unwrap_or_default());
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// What the channels table holds, read straight from the file.
fn stored_channel(dir: &Path, id: &str) -> (String, String) {
    let conn = rusqlite::Connection::open(dir.join("messenger.db")).unwrap();
    conn.query_row(
        "SELECT api_token, signing_secret FROM channels WHERE id = ?1",
        [id.parse::<i64>().unwrap()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// A contact writes in; a reply goes out; returns the provider's copy of the reply.
async fn reply_reaches_the_provider(
    t: &TestServer,
    provider: &Provider,
    ch: &Channel,
    external: &str,
) -> common::provider::Received {
    let contact = t
        .incoming(ch, external, &format!("in-{external}"), "Hello")
        .await;
    let before = provider.received().len();
    let sent = t
        .post(
            &format!("/contacts/{contact}/messages"),
            &t.owner,
            json!({"client_id": client_id(), "text": "Hi, how can I help?"}),
        )
        .await
        .ok(201);
    let id = sent["id"].clone();
    t.eventually(&contact, "the reply to be sent", |tl| {
        tl.iter().any(|m| m["id"] == id && m["delivery"] == "sent")
    })
    .await;
    let got = provider.received();
    assert_eq!(got.len(), before + 1, "one delivery: {got:#?}");
    got[before].clone()
}

/// Stops the server and starts a new one on the same data directory and database.
async fn restart(t: TestServer, key: SecretKeySetting) -> TestServer {
    let TestServer {
        server,
        dir,
        http,
        clock,
        owner,
    } = t;
    let database = server.state.config.database_url.clone();
    server.shutdown().await;
    let mut config = common::config(dir.path());
    config.database_url = database;
    config.secret_key = key;
    let store = app::open_store(&config).unwrap();
    let server = app::start_with(config, store, Arc::new(SystemClock))
        .await
        .unwrap();
    TestServer {
        server,
        dir,
        http,
        clock,
        owner,
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn channel_secrets_are_not_in_the_database_yet_webhook_and_signing_work_across_a_restart() {
    let t = TestServer::start_with(common::on_sqlite, None).await;
    let provider = Provider::start().await;
    let ch = t.channel("Web chat", false, Some(&provider.base)).await;
    assert!(ch.token.len() >= 40 && ch.secret.len() >= 40);

    let (stored_token, stored_secret) = stored_channel(t.dir.path(), &ch.id);
    assert!(stored_token.starts_with("v1:"), "{stored_token}");
    assert!(stored_secret.starts_with("v1:"), "{stored_secret}");
    let bytes = database_bytes(t.dir.path());
    assert!(
        !contains(&bytes, &ch.token),
        "the api_token is in the database file"
    );
    assert!(
        !contains(&bytes, &ch.secret),
        "the signing_secret is in the database file"
    );

    #[cfg(unix)]
    assert_eq!(mode(&t.dir.path().join("secret.key")), 0o600);

    // The webhook knows the channel by its token, and only by its exact token.
    let r = reply_reaches_the_provider(&t, &provider, &ch, "+111").await;
    assert_eq!(r.authorization, format!("Bearer {}", ch.token));
    assert_eq!(r.signature, hmac_hex(&ch.secret, &r.raw));
    let mut almost = ch.clone();
    almost.token.pop();
    almost
        .token
        .push(if ch.token.ends_with('A') { 'B' } else { 'A' });
    let refused = t
        .webhook(
            &almost,
            json!({"channelId": ch.id, "contactId": "+112", "events": [
                {"type": "message", "mId": "x", "timestamp": 1, "message": {"type": "text", "text": "hi"}}]}),
        )
        .await;
    assert_eq!(refused.status, 401, "{}", refused.body);

    // Credentials show where they showed before: to owners and managers, opened intact.
    let list = t.get("/channels", &t.owner).await.ok(200);
    assert_eq!(
        list[0]["credentials"]["api_token"],
        ch.token.as_str(),
        "{list}"
    );
    assert_eq!(
        list[0]["credentials"]["signing_secret"],
        ch.secret.as_str(),
        "{list}"
    );
    let (_, agent) = t.user("Alice Agent", "agent").await;
    let list = t.get("/channels", &agent).await.ok(200);
    assert!(!list.to_string().contains(&ch.token), "{list}");
    assert!(!list.to_string().contains(&ch.secret), "{list}");

    let t = restart(t, SecretKeySetting::DataDir).await;
    let r = reply_reaches_the_provider(&t, &provider, &ch, "+222").await;
    assert_eq!(r.authorization, format!("Bearer {}", ch.token));
    assert_eq!(r.signature, hmac_hex(&ch.secret, &r.raw));
    let bytes = database_bytes(t.dir.path());
    assert!(!contains(&bytes, &ch.token) && !contains(&bytes, &ch.secret));
}

#[tokio::test]
async fn a_wrong_or_missing_key_refuses_to_start_with_a_clear_message() {
    let t = TestServer::start().await;
    t.channel("Web chat", false, None).await;
    let dir = t.dir.path().to_path_buf();
    let TestServer {
        server, dir: keep, ..
    } = t;
    server.shutdown().await;

    let mut config = common::config(&dir);
    config.secret_key = SecretKeySetting::Value(SecretKey::random());
    let err = app::open_store(&config)
        .err()
        .expect("a wrong key must not open");
    assert!(err.to_string().contains("is not the key"), "{err}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = dir.join("secret.key");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = app::open_store(&common::config(&dir))
            .err()
            .expect("0644 refused");
        assert!(err.to_string().contains("chmod 600"), "{err}");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    // The same key given another way opens the database.
    let text = std::fs::read_to_string(dir.join("secret.key")).unwrap();
    let mut config = common::config(&dir);
    config.secret_key = SecretKeySetting::Value(SecretKey::parse(&text).unwrap());
    assert!(app::open_store(&config).is_ok());

    let moved = dir.join("secret.key.bak");
    std::fs::rename(dir.join("secret.key"), &moved).unwrap();
    let err = app::open_store(&common::config(&dir))
        .err()
        .expect("a missing key refused");
    assert!(err.to_string().contains("is missing"), "{err}");
    assert!(!dir.join("secret.key").exists(), "no fresh key was made");

    let mut config = common::config(&dir);
    config.secret_key = SecretKeySetting::File(moved);
    assert!(app::open_store(&config).is_ok());
    drop(keep);
}

#[test]
fn the_command_line_takes_the_key_from_the_environment_and_never_echoes_it() {
    let dir = tempfile::tempdir().unwrap();
    let help = std::process::Command::new(common::SERVER_BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("MESSENGER_SECRET_KEY"), "{help}");
    assert!(help.contains("--secret-key-file"), "{help}");

    let key = SecretKey::random().to_base64();
    let add = |key: &str| {
        common::server_command(dir.path())
            .args(["user", "add", "--email", "o@example.com", "--name", "O"])
            .args([
                "--password",
                "owner-password",
                "--role",
                "owner",
                "--if-no-users",
            ])
            .arg("--data-dir")
            .arg(dir.path())
            .env("MESSENGER_SECRET_KEY", key)
            .output()
            .unwrap()
    };
    let out = add(&key);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dir.path().join("secret.key").exists(),
        "a key from the environment makes no key file"
    );

    let other = SecretKey::random().to_base64();
    let out = add(&other);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("MESSENGER_SECRET_KEY is not the key"),
        "{stderr}"
    );
    assert!(!stderr.contains(&other), "the key was echoed: {stderr}");

    let out = add("not-a-key-at-all");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("must be a 32-byte key"), "{stderr}");
    assert!(!stderr.contains("not-a-key-at-all"), "{stderr}");
}
