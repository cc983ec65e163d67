//! The session token in the OS keychain: on Linux, a real Secret Service (gnome-keyring on a
//! private D-Bus started by the test) holds it, `agent.db` never does, a second agent process
//! stays signed in, and sign-out removes it. Without a bus the token goes to an owner-only
//! file beside `agent.db`, and the command line says so.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::Server;

const BIN: &str = env!("CARGO_BIN_EXE_messenger-agent");
const SERVICE: &str = "IS-Messenger";

/// A daemon in its own process group; dropping it stops the whole group.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = std::process::Command::new("kill")
            .args(["-TERM", "--", &group])
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &group])
            .status();
        let _ = self.0.wait();
    }
}

/// A private session bus with gnome-keyring's Secret Service on it, unlocked.
struct SecretService {
    dir: tempfile::TempDir,
    // Dropped in this order: the keyring first, then the bus.
    daemons: Vec<Daemon>,
}

impl SecretService {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["home", "data", "xdg"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        {
            use std::os::unix::fs::PermissionsExt;
            // gnome-keyring refuses a runtime directory that others can enter.
            std::fs::set_permissions(
                dir.path().join("xdg"),
                std::fs::Permissions::from_mode(0o700),
            )
            .unwrap();
        }
        std::fs::write(
            dir.path().join("bus.conf"),
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>"#,
        )
        .unwrap();
        let mut s = Self {
            dir,
            daemons: Vec::new(),
        };
        let bus = std::process::Command::new("dbus-daemon")
            .arg(format!(
                "--config-file={}",
                s.dir.path().join("bus.conf").display()
            ))
            .args(["--nofork", "--nosyslog"])
            .arg(format!("--address={}", s.address()))
            .stdout(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("dbus-daemon (package dbus)");
        s.daemons.push(Daemon(bus));
        wait_until("the private bus", || s.dir.path().join("bus").exists());

        let mut keyring = s
            .command("gnome-keyring-daemon")
            .args(["--foreground", "--components=secrets", "--unlock"])
            .arg(format!(
                "--control-directory={}",
                s.dir.path().join("xdg/keyring").display()
            ))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(s.dir.path().join("keyring.log")).unwrap())
            .process_group(0)
            .spawn()
            .expect("gnome-keyring-daemon (package gnome-keyring)");
        {
            use std::io::Write;
            // --unlock reads the password from stdin, up to its end.
            let mut stdin = keyring.stdin.take().unwrap();
            stdin.write_all(b"keychain-test-password").unwrap();
        }
        s.daemons.insert(0, Daemon(keyring));
        let log = s.dir.path().join("keyring.log");
        wait_until(
            &format!(
                "gnome-keyring to own org.freedesktop.secrets (log: {})",
                log.display()
            ),
            || {
                let out = s
                    .command("dbus-send")
                    .args([
                        "--session",
                        "--print-reply",
                        "--dest=org.freedesktop.DBus",
                        "/",
                        "org.freedesktop.DBus.NameHasOwner",
                        "string:org.freedesktop.secrets",
                    ])
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&out.stdout).contains("boolean true")
            },
        );
        s
    }

    fn address(&self) -> String {
        format!("unix:path={}", self.dir.path().join("bus").display())
    }

    /// A command that sees this bus and nothing of the real user's keyring.
    fn command(&self, program: &str) -> std::process::Command {
        let mut c = std::process::Command::new(program);
        c.env("DBUS_SESSION_BUS_ADDRESS", self.address())
            .env("HOME", self.dir.path().join("home"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_RUNTIME_DIR", self.dir.path().join("xdg"));
        c
    }

    /// `secret-tool search --all service IS-Messenger`: (username attribute, secret) pairs.
    fn entries(&self) -> Vec<(String, String)> {
        let out = self
            .command("secret-tool")
            .args(["search", "--all", "service", SERVICE])
            .output()
            .expect("secret-tool (package libsecret-tools)");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let mut entries = Vec::new();
        let mut user = None;
        let mut secret = None;
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("attribute.username = ") {
                user = Some(v.to_owned());
            } else if let Some(v) = line.strip_prefix("secret = ") {
                secret = Some(v.to_owned());
            }
            if let (Some(_), Some(_)) = (&user, &secret) {
                entries.push((user.take().unwrap(), secret.take().unwrap()));
            }
        }
        entries
    }
}

fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs the agent's command line; returns (success, stdout, stderr).
async fn agent_cli(env: &[(&str, String)], data: &Path, args: &[&str]) -> (bool, String, String) {
    let mut c = tokio::process::Command::new(BIN);
    c.args(args)
        .env("MESSENGER_AGENT_DATA_DIR", data)
        .env_remove("MESSENGER_AGENT_KEYCHAIN");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().await.unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    files(dir)
        .into_iter()
        .filter(|p| {
            std::fs::read(p)
                .unwrap_or_default()
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
        })
        .collect()
}

async fn login(env: &[(&str, String)], data: &Path, server: &Server) -> (String, String) {
    let (ok, out, err) = agent_cli(
        env,
        data,
        &[
            "login",
            "--server",
            &server.base(),
            "--email",
            "ada@example.com",
            "--password",
            "ada-password",
        ],
    )
    .await;
    assert!(ok, "login failed: {out}{err}");
    assert!(out.contains("signed in to"), "{out}");
    (out, err)
}

async fn token_works(server: &Server, token: &str) -> bool {
    server
        .http
        .get(format!("{}/api/v1/me", server.base()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .is_success()
}

#[tokio::test]
async fn the_session_token_lives_in_the_secret_service_and_sign_out_removes_it() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = Server::start(server_dir.path()).await;
    let keychain = SecretService::start();
    let data = tempfile::tempdir().unwrap();
    let env = [
        ("DBUS_SESSION_BUS_ADDRESS", keychain.address()),
        (
            "XDG_RUNTIME_DIR",
            keychain.dir.path().join("xdg").display().to_string(),
        ),
    ];

    let (_, err) = login(&env, data.path(), &server).await;
    assert!(
        !err.contains("keychain"),
        "no fallback notice expected: {err}"
    );

    let entries = keychain.entries();
    assert_eq!(entries.len(), 1, "one keychain entry: {entries:?}");
    let (account, token) = &entries[0];
    assert!(
        account.starts_with(&format!("{} ", server.base())),
        "the account is `<server url> <user id>`: {account}"
    );
    assert!(
        token_works(&server, token).await,
        "the keychain holds the live token"
    );
    assert!(
        files_holding(data.path(), token).is_empty(),
        "the token is in the agent's files: {:?}",
        files_holding(data.path(), token)
    );
    assert!(!data.path().join("session-token").exists());

    // Another process on the same data directory is still signed in, through the keychain.
    let (ok, out, err) = agent_cli(&env, data.path(), &["whoami"]).await;
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("Ada Agent <ada@example.com>") && out.contains("(online)"),
        "{out}"
    );

    let (ok, out, err) = agent_cli(&env, data.path(), &["logout"]).await;
    assert!(ok && out.contains("signed out"), "{out}{err}");
    assert!(
        keychain.entries().is_empty(),
        "sign-out leaves {:?}",
        keychain.entries()
    );
    assert!(!token_works(&server, token).await);
    let (_, out, _) = agent_cli(&env, data.path(), &["whoami"]).await;
    assert!(out.contains("not signed in"), "{out}");
}

#[tokio::test]
async fn with_the_keychain_turned_off_the_token_stays_out_of_it() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = Server::start(server_dir.path()).await;
    let keychain = SecretService::start();
    let data = tempfile::tempdir().unwrap();
    let env = [
        ("DBUS_SESSION_BUS_ADDRESS", keychain.address()),
        ("MESSENGER_AGENT_KEYCHAIN", "off".to_owned()),
    ];
    let (_, err) = login(&env, data.path(), &server).await;
    assert!(
        err.contains("The system keychain is turned off (MESSENGER_AGENT_KEYCHAIN=off)"),
        "{err}"
    );
    assert!(keychain.entries().is_empty(), "{:?}", keychain.entries());
    assert!(data.path().join("session-token").exists());

    // Turned on again: the token moves from the file into the keychain.
    let env = [("DBUS_SESSION_BUS_ADDRESS", keychain.address())];
    let (ok, out, err) = agent_cli(&env, data.path(), &["whoami"]).await;
    assert!(ok && out.contains("(online)"), "{out}{err}");
    assert_eq!(keychain.entries().len(), 1, "{:?}", keychain.entries());
    assert!(!data.path().join("session-token").exists());
}

#[tokio::test]
async fn without_a_bus_the_token_is_kept_in_an_owner_only_file_and_the_user_is_told() {
    use std::os::unix::fs::PermissionsExt;
    let server_dir = tempfile::tempdir().unwrap();
    let server = Server::start(server_dir.path()).await;
    let data = tempfile::tempdir().unwrap();
    let nowhere = tempfile::tempdir().unwrap();
    let env = [(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", nowhere.path().join("no-bus").display()),
    )];

    let (_, err) = login(&env, data.path(), &server).await;
    let file = data.path().join("session-token");
    assert!(
        err.contains(&format!(
            "No system keychain (Secret Service) is available; the session token is kept in {} (readable only by you)",
            file.display()
        )),
        "{err}"
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let token = text.lines().nth(1).unwrap().to_owned();
    assert!(token_works(&server, &token).await);
    assert_eq!(files_holding(data.path(), &token), vec![file.clone()]);

    let (ok, out, err) = agent_cli(&env, data.path(), &["whoami"]).await;
    assert!(ok && out.contains("(online)"), "{out}{err}");
    let (ok, out, err) = agent_cli(&env, data.path(), &["logout"]).await;
    assert!(ok && out.contains("signed out"), "{out}{err}");
    assert!(!file.exists(), "sign-out leaves the token file");
}
