//! Test harness: a real server on a loopback port with a temporary data directory.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use messenger_protocol::{Role, Timestamp};
use messenger_server::clock::{Clock, ManualClock, SystemClock};
use messenger_server::{RunningServer, ServerConfig, app, operator};
use serde_json::Value;

pub struct TestServer {
    pub server: RunningServer,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
    pub clock: Option<Arc<ManualClock>>,
}

pub fn config(dir: &std::path::Path) -> ServerConfig {
    let mut config = ServerConfig::new(dir.to_path_buf());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with_clock(None).await
    }

    /// A server whose clock only moves when the test says so.
    pub async fn start_manual_clock() -> Self {
        let clock = Arc::new(ManualClock::new(
            Timestamp::parse("2026-11-02T09:00:00Z").unwrap(),
        ));
        Self::start_with_clock(Some(clock)).await
    }

    async fn start_with_clock(manual: Option<Arc<ManualClock>>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path());
        let store = app::open_store(&config).unwrap();
        let clock: Arc<dyn Clock> = match &manual {
            Some(c) => c.clone(),
            None => Arc::new(SystemClock),
        };
        let server = app::start_with(config, store, clock).await.unwrap();
        Self {
            server,
            dir,
            http: reqwest::Client::new(),
            clock: manual,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.server.base_url())
    }

    pub async fn add_user(&self, email: &str, password: &str, role: Role) {
        let state = &self.server.state;
        operator::add_user(
            state.store.as_ref(),
            state.clock.as_ref(),
            "Test User",
            email,
            password,
            role,
        )
        .await
        .unwrap();
    }

    /// Signs in and returns the token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let res = self
            .http
            .post(self.url("/auth/login"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            200,
            "login of {email} failed: {}",
            res.text().await.unwrap()
        );
        let body: Value = res.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }
}

/// Reads an error answer and checks it has the DESIGN.md shape; returns (status, code, message).
pub async fn error_of(res: reqwest::Response) -> (u16, String, String) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let body: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("error body is not JSON ({e}): {text}"));
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error.code in {text}"));
    let message = body["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no error.message in {text}"));
    assert!(!message.is_empty(), "empty error message in {text}");
    (status, code.to_owned(), message.to_owned())
}
