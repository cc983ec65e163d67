//! Test harness for the agent core: a real messenger-server on loopback (restartable on the
//! same port), a TCP proxy between the agent and it (to cut connections and lose answers), and
//! helpers to wait for the agent to settle.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod proxy;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use messenger_agent::view::SyncStatus;
use messenger_agent::{Agent, AgentConfig};
use messenger_protocol::Role;
use messenger_server::clock::SystemClock;
use messenger_server::{RunningServer, ServerConfig, app, operator};
use serde_json::{Value, json};

pub struct Server {
    pub dir: PathBuf,
    pub addr: SocketAddr,
    pub running: Option<RunningServer>,
    pub http: reqwest::Client,
    pub owner: String,
    pub channel: (String, String),
}

impl Server {
    /// A server with an owner, an agent (ada@example.com / ada-password) and a channel.
    pub async fn start(dir: &Path) -> Self {
        let mut config = ServerConfig::new(dir.to_path_buf());
        config.listen = "127.0.0.1:0".parse().unwrap();
        let store = app::open_store(&config).unwrap();
        operator::add_user(
            store.as_ref(),
            &SystemClock,
            "Olivia Owner",
            "owner@example.com",
            "owner-password",
            Role::Owner,
        )
        .await
        .unwrap();
        operator::add_user(
            store.as_ref(),
            &SystemClock,
            "Ada Agent",
            "ada@example.com",
            "ada-password",
            Role::Agent,
        )
        .await
        .unwrap();
        operator::add_user(
            store.as_ref(),
            &SystemClock,
            "Bo Agent",
            "bo@example.com",
            "bo-password",
            Role::Agent,
        )
        .await
        .unwrap();
        let running = app::start_with(config, store, Arc::new(SystemClock))
            .await
            .unwrap();
        let addr = running.addr;
        let mut s = Self {
            dir: dir.to_path_buf(),
            addr,
            running: Some(running),
            http: reqwest::Client::new(),
            owner: String::new(),
            channel: (String::new(), String::new()),
        };
        s.owner = s.login("owner@example.com", "owner-password").await;
        let ch = s
            .post(
                "/channels",
                &s.owner.clone(),
                json!({"name": "WhatsApp", "kind": "custom"}),
            )
            .await;
        s.channel = (
            ch["id"].as_str().unwrap().to_owned(),
            ch["credentials"]["api_token"].as_str().unwrap().to_owned(),
        );
        s
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> &messenger_server::AppState {
        &self.running.as_ref().expect("the server runs").state
    }

    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }

    /// Starts again on the same port and data.
    pub async fn restart(&mut self) {
        self.stop().await;
        let mut config = ServerConfig::new(self.dir.clone());
        config.listen = self.addr;
        let store = app::open_store(&config).unwrap();
        let mut tries = 0;
        let running = loop {
            match app::start_with(config.clone(), store.clone(), Arc::new(SystemClock)).await {
                Ok(r) => break r,
                Err(e) if tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let _ = e;
                }
                Err(e) => panic!("cannot restart the server: {e}"),
            }
        };
        self.running = Some(running);
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let v: Value = self
            .http
            .post(format!("{}/api/v1/auth/login", self.base()))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["token"].as_str().unwrap().to_owned()
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Value {
        let res = self
            .http
            .post(format!("{}/api/v1{path}", self.base()))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
        res.json().await.unwrap_or(Value::Null)
    }

    pub async fn get(&self, path: &str, token: &str) -> Value {
        self.http
            .get(format!("{}/api/v1{path}", self.base()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> Value {
        let res = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base()))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
        res.json().await.unwrap_or(Value::Null)
    }

    /// A contact writes in through the webhook; returns its id in the workspace.
    pub async fn incoming(&self, external: &str, m_id: &str, text: &str) -> String {
        let (ch, token) = &self.channel;
        let res = self
            .http
            .post(format!("{}/api/v1/custom-channel/webhook", self.base()))
            .bearer_auth(token)
            .json(&json!({"channelId": ch, "contactId": external, "contact": {"firstName": external},
                "events": [{"type": "message", "mId": m_id, "timestamp": 1, "message": {"type": "text", "text": text}}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let page = self
            .get("/contacts?status=any&limit=500", &self.owner)
            .await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["channels"][0]["external_id"] == external)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Incoming texts of a contact on the server, oldest first.
    pub async fn texts(&self, contact: &str, direction: &str) -> Vec<String> {
        let page = self
            .get(
                &format!("/contacts/{contact}/messages?limit=200"),
                &self.owner,
            )
            .await;
        let mut t: Vec<String> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["direction"] == direction)
            .map(|m| m["text"].as_str().unwrap().to_owned())
            .collect();
        t.reverse();
        t
    }
}

pub fn agent(dir: &Path) -> Agent {
    Agent::open(AgentConfig::new(dir.to_path_buf()).without_keychain()).unwrap()
}

/// Polls until `check` holds (the agent works in the background).
pub async fn until(what: &str, secs: u64, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Signs Ada in at `url`, starts syncing and waits until the agent is online.
pub async fn follow_as_ada(agent: &Agent, url: &str) {
    agent
        .login(url, "ada@example.com", "ada-password")
        .await
        .unwrap();
    agent.start().unwrap();
    online(agent).await;
}

pub async fn online(agent: &Agent) {
    until("the agent to be online", 15, || {
        agent
            .sync_state()
            .map(|s| s.status == SyncStatus::Online)
            .unwrap_or(false)
    })
    .await;
}

pub async fn offline(agent: &Agent) {
    until("the agent to notice it is offline", 15, || {
        agent
            .sync_state()
            .map(|s| s.status == SyncStatus::Offline)
            .unwrap_or(false)
    })
    .await;
}
