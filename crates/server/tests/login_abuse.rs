//! Sign-in that withstands abuse, over real HTTP: failed sign-ins are limited per account and
//! per client address (429 + `Retry-After`), the right password works again once the window
//! has passed, password hashing is bounded (503 + `Retry-After`, and memory stays flat under
//! 100 concurrent wrong sign-ins), changing one's password or email needs the current one and
//! ends the other sessions, and signing out closes the session's event streams at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Child;
use std::time::{Duration, Instant};

use common::TestServer;
use futures::StreamExt;
use messenger_protocol::Role;
use messenger_server::ServerConfig;
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use messenger_protocol::stream_close::SIGNED_OUT as CLOSE_SIGNED_OUT;

/// A sign-in's answer: status, `Retry-After` and body.
#[derive(Debug)]
struct SignIn {
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

impl SignIn {
    /// Checks a refusal's status, code and error shape; answers the message.
    fn refused(&self, status: u16, code: &str) -> String {
        assert_eq!(self.status, status, "expected {status} {code}: {self:?}");
        assert_eq!(self.body["error"]["code"], code, "{self:?}");
        let message = self.body["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "empty message: {self:?}");
        message.to_owned()
    }
}

async fn sign_in(http: &reqwest::Client, base: &str, email: &str, password: &str) -> SignIn {
    let res = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let body = res.json().await.unwrap_or(Value::Null);
    SignIn {
        status,
        retry_after,
        body,
    }
}

impl TestServer {
    async fn sign_in(&self, email: &str, password: &str) -> SignIn {
        sign_in(&self.http, &self.server.base_url(), email, password).await
    }

    fn advance(&self, secs: i64) {
        self.clock.as_ref().unwrap().advance_millis(secs * 1000);
    }
}

async fn manual_clock_server(tweak: impl FnOnce(&mut ServerConfig)) -> TestServer {
    let clock = std::sync::Arc::new(messenger_server::clock::ManualClock::new(
        messenger_protocol::Timestamp::parse("2026-11-02T09:00:00Z").unwrap(),
    ));
    TestServer::start_with(tweak, Some(clock)).await
}

#[tokio::test]
async fn an_account_is_locked_after_five_failures_and_opens_once_the_window_passed() {
    let t = TestServer::start_manual_clock().await;
    t.add_user("alice@example.com", "alice-password", Role::Agent)
        .await;
    for n in 1..=5 {
        t.sign_in("alice@example.com", &format!("wrong-{n}"))
            .await
            .refused(401, "invalid_credentials");
    }
    // Locked: even the right password is refused, without a check, in the usual shape.
    let limited = t.sign_in("Alice@Example.com ", "alice-password").await;
    let message = limited.refused(429, "rate_limited");
    assert_eq!(limited.retry_after, Some(15 * 60), "{limited:?}");
    assert!(message.contains("15 minutes"), "{message}");

    // Unknown emails are limited the same way, so the limit tells nothing about accounts.
    for n in 1..=5 {
        t.sign_in("nobody@example.com", &format!("guess-{n}"))
            .await
            .refused(401, "invalid_credentials");
    }
    let nobody = t.sign_in("nobody@example.com", "guess-6").await;
    nobody.refused(429, "rate_limited");
    assert_eq!(nobody.retry_after, Some(15 * 60));

    // Another account from the same address is not affected (10 failures < 30 per minute).
    t.add_user("bob@example.com", "bob-password", Role::Agent)
        .await;
    assert_eq!(
        t.sign_in("bob@example.com", "bob-password").await.status,
        200
    );

    // The lockout counts down, then the right password works.
    t.advance(14 * 60);
    let later = t.sign_in("alice@example.com", "alice-password").await;
    later.refused(429, "rate_limited");
    assert_eq!(later.retry_after, Some(60));
    t.advance(61);
    assert_eq!(
        t.sign_in("alice@example.com", "alice-password")
            .await
            .status,
        200
    );

    // A success reset the count: four more failures lock nothing.
    for n in 1..=4 {
        t.sign_in("alice@example.com", &format!("again-{n}"))
            .await
            .refused(401, "invalid_credentials");
    }
    assert_eq!(
        t.sign_in("alice@example.com", "alice-password")
            .await
            .status,
        200
    );

    // Without a success in between, the next lockout is longer.
    t.advance(16 * 60);
    for n in 1..=5 {
        t.sign_in("nobody@example.com", &format!("more-{n}"))
            .await
            .refused(401, "invalid_credentials");
    }
    let second = t.sign_in("nobody@example.com", "more-6").await;
    second.refused(429, "rate_limited");
    assert_eq!(second.retry_after, Some(30 * 60), "the lockout doubles");
}

#[tokio::test]
async fn an_address_is_limited_on_failures_only() {
    let t = manual_clock_server(|c| c.sign_in_address_limit.max_failures = 4).await;
    // Successes never count against the address.
    for _ in 0..8 {
        assert_eq!(
            t.sign_in("owner@example.com", "owner-password")
                .await
                .status,
            200
        );
    }
    // Failures do, across accounts (one each, far below the per-account limit).
    for n in 1..=4 {
        t.sign_in(&format!("sprayed-{n}@example.com"), "password-1")
            .await
            .refused(401, "invalid_credentials");
    }
    let limited = t.sign_in("owner@example.com", "owner-password").await;
    let message = limited.refused(429, "rate_limited");
    assert!(message.contains("address"), "{message}");
    assert_eq!(limited.retry_after, Some(60), "{limited:?}");
    t.advance(61);
    assert_eq!(
        t.sign_in("owner@example.com", "owner-password")
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saturated_hashing_bound_answers_503_with_retry_after() {
    let t = TestServer::start_with(
        |c| {
            c.hashing_slots = 1;
            c.hashing_wait = Duration::from_millis(10);
        },
        None,
    )
    .await;
    let base = t.server.base_url();
    let answers =
        futures::future::join_all(
            (0..8).map(|n| {
                let http = t.http.clone();
                let base = base.clone();
                async move {
                    sign_in(&http, &base, &format!("user-{n}@example.com"), "not-it-123").await
                }
            }),
        )
        .await;
    let busy: Vec<&SignIn> = answers.iter().filter(|a| a.status == 503).collect();
    assert!(!busy.is_empty(), "no 503 among {answers:#?}");
    for b in &busy {
        b.refused(503, "server_busy");
        assert!(b.retry_after.is_some_and(|s| s >= 1), "{b:?}");
    }
    for a in &answers {
        assert!([401, 503].contains(&a.status), "{a:?}");
    }
    assert!(
        answers.iter().any(|a| a.status == 401),
        "the slot served someone: {answers:#?}"
    );
    // Busy answers are no failures: the bound freed, the right password works at once.
    assert_eq!(
        t.sign_in("owner@example.com", "owner-password")
            .await
            .status,
        200
    );
}

/// A server process of its own, so its memory is its own.
struct ServerProcess {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl ServerProcess {
    fn start(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = common::server_command(dir.path())
            .args(["user", "add", "--email", "o@example.com", "--name", "O"])
            .args([
                "--password",
                "owner-password",
                "--role",
                "owner",
                "--data-dir",
            ])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut args: Vec<std::ffi::OsString> = ["serve", "--listen", "127.0.0.1:0", "--data-dir"]
            .iter()
            .map(Into::into)
            .collect();
        args.push(dir.path().into());
        args.extend(extra.iter().map(Into::into));
        let (child, base) = common::spawn_server(args);
        Self {
            child,
            base,
            _dir: dir,
        }
    }

    /// (VmRSS, VmHWM) in KiB, from /proc/PID/status.
    fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or_else(|| panic!("no {name} in {status}"))
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_wrong_sign_ins_grow_memory_by_at_most_100_mb() {
    // The address limit is raised so that every request is eligible for a hash: the bound on
    // hashing alone has to hold memory down.
    let server = ServerProcess::start(&["--sign-in-failures-per-address", "1000000"]);
    let http = reqwest::Client::new();
    // Warm up: one real sign-in starts the blocking pool and the allocator's arenas.
    assert_eq!(
        sign_in(&http, &server.base, "o@example.com", "owner-password")
            .await
            .status,
        200
    );
    let (rss_before, hwm_before) = server.memory_kib();
    let started = Instant::now();
    let answers = futures::future::join_all((0..100).map(|n| {
        let http = reqwest::Client::new();
        let base = server.base.clone();
        // Half against the real account, half unknown emails (which hash against a dummy).
        let email = if n % 2 == 0 {
            "o@example.com".to_owned()
        } else {
            format!("stranger-{n}@example.com")
        };
        async move { sign_in(&http, &base, &email, &format!("wrong-password-{n}")).await }
    }))
    .await;
    let took = started.elapsed();
    let (rss_after, hwm_after) = server.memory_kib();
    let mut by_status = std::collections::BTreeMap::<u16, usize>::new();
    for a in &answers {
        *by_status.entry(a.status).or_default() += 1;
        match a.status {
            401 => {
                a.refused(401, "invalid_credentials");
            }
            429 => {
                a.refused(429, "rate_limited");
                assert!(a.retry_after.is_some(), "{a:?}");
            }
            503 => {
                a.refused(503, "server_busy");
                assert!(a.retry_after.is_some(), "{a:?}");
            }
            _ => panic!("unexpected answer {a:?}"),
        }
    }
    let peak_growth_kib = hwm_after.saturating_sub(rss_before);
    println!(
        "100 concurrent wrong sign-ins in {:.2} s, answers {by_status:?}; \
         VmRSS {} -> {} MiB, VmHWM {} -> {} MiB, peak growth {:.1} MiB",
        took.as_secs_f64(),
        rss_before / 1024,
        rss_after / 1024,
        hwm_before / 1024,
        hwm_after / 1024,
        peak_growth_kib as f64 / 1024.0
    );
    assert!(
        by_status.get(&401).copied().unwrap_or(0) >= 2,
        "some were checked: {by_status:?}"
    );
    assert!(
        peak_growth_kib <= 100 * 1000,
        "memory grew by {peak_growth_kib} KiB (limit 100 MB)"
    );
}

async fn open_stream(t: &TestServer, token: &str) -> common::Stream {
    let mut ws = t.stream(token, 0).await;
    // The backlog's first event: the connection is serving.
    let first = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("no backlog")
        .unwrap()
        .unwrap();
    assert!(matches!(first, WsMessage::Text(_)), "{first:?}");
    ws
}

/// Reads until the close frame; answers its code and how long it took.
async fn close_code(ws: &mut common::Stream, within: Duration) -> (u16, Duration) {
    let started = Instant::now();
    loop {
        let frame = tokio::time::timeout(within, ws.next())
            .await
            .unwrap_or_else(|_| panic!("the stream stayed open for {within:?}"));
        match frame {
            Some(Ok(WsMessage::Close(Some(frame)))) => {
                return (u16::from(frame.code), started.elapsed());
            }
            Some(Ok(WsMessage::Close(None))) | None | Some(Err(_)) => {
                panic!("the stream ended without a close code")
            }
            Some(Ok(_)) => {}
        }
    }
}

async fn stream_stays_open(ws: &mut common::Stream) {
    match tokio::time::timeout(Duration::from_millis(300), ws.next()).await {
        Err(_) => {}
        Ok(Some(Ok(WsMessage::Text(_) | WsMessage::Ping(_)))) => {}
        Ok(other) => panic!("the stream should stay open, got {other:?}"),
    }
}

#[tokio::test]
async fn signing_out_closes_the_sessions_stream_at_once() {
    let t = TestServer::start().await;
    let other = t.login("owner@example.com", "owner-password").await;
    let mut ws = open_stream(&t, &t.owner).await;
    let mut others_ws = open_stream(&t, &other).await;
    let res = t
        .http
        .post(t.url("/auth/logout"))
        .bearer_auth(&t.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (code, took) = close_code(&mut ws, Duration::from_secs(1)).await;
    assert_eq!(code, CLOSE_SIGNED_OUT);
    println!(
        "the stream closed {} ms after the sign-out",
        took.as_millis()
    );
    // The same user's other session keeps its stream.
    stream_stays_open(&mut others_ws).await;
    t.get("/me", &other).await.ok(200);
}

#[tokio::test]
async fn changing_ones_password_needs_the_current_one_and_ends_the_other_sessions() {
    let t = TestServer::start().await;
    let (alice, here) = t.user("Alice", "agent").await;
    let elsewhere = t.login("alice@example.com", "password-123").await;
    let mut elsewhere_ws = open_stream(&t, &elsewhere).await;
    let path = format!("/users/{alice}");

    let message = t
        .patch(&path, &here, json!({"password": "new-password-9"}))
        .await
        .err(400, "invalid_field");
    assert!(message.contains("current password"), "{message}");
    let message = t
        .patch(
            &path,
            &here,
            json!({"password": "new-password-9", "current_password": "not-my-password"}),
        )
        .await
        .err(403, "forbidden");
    assert!(message.contains("current password"), "{message}");
    t.patch(&path, &here, json!({"email": "alice.new@example.com"}))
        .await
        .err(400, "invalid_field");
    t.patch(
        &path,
        &here,
        json!({"email": "alice.new@example.com", "current_password": "wrong-again"}),
    )
    .await
    .err(403, "forbidden");
    // Neither happened.
    assert_eq!(
        t.get("/me", &here).await.ok(200)["email"],
        "alice@example.com"
    );
    // Details that are not the password or a new email need no password.
    t.patch(
        &path,
        &here,
        json!({"name": "Alice A.", "email": "ALICE@example.com"}),
    )
    .await
    .ok(200);
    stream_stays_open(&mut elsewhere_ws).await;

    t.patch(
        &path,
        &here,
        json!({"password": "new-password-9", "current_password": "password-123"}),
    )
    .await
    .ok(200);
    // The caller's session goes on; the other one ended, its stream at once.
    t.get("/me", &here).await.ok(200);
    t.get("/me", &elsewhere).await.err(401, "unauthenticated");
    let (code, _) = close_code(&mut elsewhere_ws, Duration::from_secs(1)).await;
    assert_eq!(code, CLOSE_SIGNED_OUT);
    t.sign_in("alice@example.com", "password-123")
        .await
        .refused(401, "invalid_credentials");
    let fresh = t.login("alice@example.com", "new-password-9").await;

    // An email change with the current password works.
    t.patch(
        &path,
        &here,
        json!({"email": "alice.new@example.com", "current_password": "new-password-9"}),
    )
    .await
    .ok(200);

    // An owner resets it without any password: every session of Alice's ends.
    let mut here_ws = open_stream(&t, &here).await;
    t.patch(&path, &t.owner, json!({"password": "reset-password-1"}))
        .await
        .ok(200);
    t.get("/me", &here).await.err(401, "unauthenticated");
    t.get("/me", &fresh).await.err(401, "unauthenticated");
    let (code, _) = close_code(&mut here_ws, Duration::from_secs(1)).await;
    assert_eq!(code, CLOSE_SIGNED_OUT);
    t.login("alice.new@example.com", "reset-password-1").await;

    // The owner's own password needs theirs too.
    t.patch("/users/1", &t.owner, json!({"password": "owner-new-pass"}))
        .await
        .err(400, "invalid_field");
    t.get("/me", &t.owner).await.ok(200);
}

#[tokio::test]
async fn wrong_current_passwords_count_against_the_account() {
    let t = TestServer::start().await;
    let (alice, token) = t.user("Alice", "agent").await;
    let path = format!("/users/{alice}");
    for n in 1..=5 {
        t.patch(
            &path,
            &token,
            json!({"password": "new-password-9", "current_password": format!("guess-{n}")}),
        )
        .await
        .err(403, "forbidden");
    }
    let res = t
        .http
        .request(Method::PATCH, t.url(&path))
        .bearer_auth(&token)
        .json(&json!({"password": "new-password-9", "current_password": "password-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
    let (_, code, _) = common::error_of(res).await;
    assert_eq!(code, "rate_limited");
    t.sign_in("alice@example.com", "password-123")
        .await
        .refused(429, "rate_limited");
}

#[tokio::test]
async fn removing_a_user_closes_their_stream() {
    let t = TestServer::start().await;
    let (bob, token) = t.user("Bob", "agent").await;
    let mut ws = open_stream(&t, &token).await;
    t.call(Method::DELETE, &format!("/users/{bob}"), &t.owner, None)
        .await
        .ok(200);
    let (code, _) = close_code(&mut ws, Duration::from_secs(1)).await;
    assert_eq!(code, CLOSE_SIGNED_OUT);
}
