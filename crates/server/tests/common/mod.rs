//! Test harness: a real server on a loopback port with a temporary data directory, a typed
//! HTTP helper, and a fake provider bridge (the other end of a Custom Channel).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod provider;
pub mod test_database;

use std::sync::Arc;
use std::time::Duration;

use messenger_protocol::{Role, Timestamp};
use messenger_server::clock::{Clock, ManualClock, SystemClock};
use messenger_server::jobs::RetryPolicy;
use messenger_server::{RunningServer, ServerConfig, app, operator};
use reqwest::Method;
use serde_json::{Value, json};

/// An event stream opened by a test.
pub type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The server binary, for tests that run it as its own process.
pub const SERVER_BIN: &str = env!("CARGO_BIN_EXE_messenger-server");

/// The server binary, for a command on `data_dir` (`serve`, `user add`, …): on the test
/// database of that directory (`MESSENGER_DATABASE_URL`) when the tests run on PostgreSQL.
pub fn server_command(data_dir: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new(SERVER_BIN);
    if let Some(url) = test_database::database_for(data_dir) {
        command.env("MESSENGER_DATABASE_URL", url);
    }
    command
}

/// Starts the binary with `args` (which should listen on port 0) and waits for its
/// "listening on" line; returns the process and its base URL. With `--data-dir` and no
/// `--database` among the args, it runs on that directory's test database.
pub fn spawn_server<I, S>(args: I) -> (std::process::Child, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().into()).collect();
    let data_dir = args
        .iter()
        .position(|a| a == "--data-dir")
        .and_then(|i| args.get(i + 1));
    let names_database = args.iter().any(|a| a == "--database");
    let mut command = match data_dir {
        Some(dir) if !names_database => server_command(std::path::Path::new(dir)),
        _ => Command::new(SERVER_BIN),
    };
    let mut child = command
        .args(args)
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
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, base)
}

/// `serve` on `dir` (its test database) listening on `listen`, with `extra` arguments; waits for
/// it to listen (see [`spawn_server`]).
pub fn serve(dir: &std::path::Path, listen: &str, extra: &[&str]) -> (std::process::Child, String) {
    let mut args: Vec<std::ffi::OsString> = vec!["serve".into(), "--listen".into(), listen.into()];
    args.extend(["--data-dir".into(), dir.into()]);
    args.extend(extra.iter().map(std::ffi::OsString::from));
    spawn_server(args)
}

/// Opens `GET /stream?since=` on the server at `base` (`http://…`) with `token`.
pub async fn open_stream(
    base: &str,
    token: &str,
    since: i64,
) -> Result<Stream, tokio_tungstenite::tungstenite::Error> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!(
        "{}/api/v1/stream?since={since}",
        base.replacen("http://", "ws://", 1)
    );
    let mut req = url.into_client_request()?;
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    Ok(tokio_tungstenite::connect_async(req).await?.0)
}

pub struct TestServer {
    pub server: RunningServer,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
    pub clock: Option<Arc<ManualClock>>,
    /// An owner's token.
    pub owner: String,
}

/// A test server's configuration on `dir`, on the test database of `dir` (SQLite, or
/// PostgreSQL when `MESSENGER_TEST_DATABASE_URL` is set).
pub fn config(dir: &std::path::Path) -> ServerConfig {
    let mut config = base_config(dir);
    config.database_url = test_database::database_for(dir);
    config
}

/// Makes a configuration use SQLite in its data directory whatever the test run's database
/// (for tests about the SQLite file itself).
pub fn on_sqlite(config: &mut ServerConfig) {
    config.database_url = Some(format!(
        "sqlite://{}",
        config.data_dir.join("messenger.db").display()
    ));
}

/// Whether this test run's servers are on PostgreSQL.
pub fn on_postgres() -> bool {
    test_database::postgres_server().is_some()
}

/// The test settings, with no database chosen yet.
fn base_config(dir: &std::path::Path) -> ServerConfig {
    let mut config = ServerConfig::new(dir.to_path_buf());
    config.listen = "127.0.0.1:0".parse().unwrap();
    // Tests see retries quickly.
    config.retry = RetryPolicy {
        base: Duration::from_millis(50),
        max: Duration::from_millis(400),
        max_attempts: 3,
    };
    config
}

/// A JSON answer: status and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The body, after checking the status.
    pub fn ok(self, status: u16) -> Value {
        assert_eq!(
            self.status, status,
            "expected {status}, got {}: {}",
            self.status, self.body
        );
        self.body
    }

    /// The message of a Developer API error, after checking the status and its
    /// `{"code": <status>, "message"}` shape.
    pub fn v2_err(self, status: u16) -> String {
        assert_eq!(
            self.status, status,
            "expected {status}, got {}: {}",
            self.status, self.body
        );
        assert_eq!(self.body["code"], status, "body: {}", self.body);
        let message = self.body["message"].as_str().unwrap_or_default().to_owned();
        assert!(!message.is_empty(), "empty message: {}", self.body);
        message
    }

    /// The error code, after checking the status and the DESIGN.md shape.
    pub fn err(self, status: u16, code: &str) -> String {
        assert_eq!(
            self.status, status,
            "expected {status} {code}, got {}: {}",
            self.status, self.body
        );
        assert_eq!(self.body["error"]["code"], code, "body: {}", self.body);
        let message = self.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(!message.is_empty(), "empty message: {}", self.body);
        message
    }
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}, None).await
    }

    /// A server whose clock only moves when the test says so.
    pub async fn start_manual_clock() -> Self {
        let clock = Arc::new(ManualClock::new(
            Timestamp::parse("2026-11-02T09:00:00Z").unwrap(),
        ));
        Self::start_with(|_| {}, Some(clock)).await
    }

    pub async fn start_with(
        tweak: impl FnOnce(&mut ServerConfig),
        manual: Option<Arc<ManualClock>>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = base_config(dir.path());
        tweak(&mut config);
        // Chosen after the tweak: a test that moves the data directory (to restart on it)
        // gets the database of the directory it chose.
        if config.database_url.is_none() {
            config.database_url = test_database::database_for(&config.data_dir);
        }
        let store = app::open_store(&config).unwrap();
        let clock: Arc<dyn Clock> = match &manual {
            Some(c) => c.clone(),
            None => Arc::new(SystemClock),
        };
        // A restart on the same data keeps its owner.
        if store.read(|tx| Ok(tx.count_users()?)).await.unwrap() == 0 {
            operator::add_user(
                store.as_ref(),
                clock.as_ref(),
                "Olivia Owner",
                "owner@example.com",
                "owner-password",
                Role::Owner,
            )
            .await
            .unwrap();
        }
        let server = app::start_with(config, store, clock).await.unwrap();
        let mut t = Self {
            server,
            dir,
            http: reqwest::Client::new(),
            clock: manual,
            owner: String::new(),
        };
        t.owner = t.login("owner@example.com", "owner-password").await;
        t
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.server.base_url())
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}/api/v1{path}", self.server.addr)
    }

    /// The OpenAPI document the server serves (it needs no token).
    pub async fn openapi(&self) -> Value {
        let res = self
            .http
            .get(self.url("/openapi.json"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "the OpenAPI document is public");
        res.json().await.unwrap()
    }

    /// Opens `GET /stream?since=` with the bearer token on the upgrade request.
    pub async fn stream(&self, token: &str, since: i64) -> Stream {
        open_stream(&self.server.base_url(), token, since)
            .await
            .unwrap()
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

    /// Adds a user through the API (as the owner) and signs them in; returns (id, token).
    pub async fn user(&self, name: &str, role: &str) -> (String, String) {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let body = self
            .call(
                Method::POST,
                "/users",
                &self.owner,
                Some(
                    json!({"name": name, "email": email, "password": "password-123", "role": role}),
                ),
            )
            .await
            .ok(201);
        let token = self.login(&email, "password-123").await;
        (body["id"].as_str().unwrap().to_owned(), token)
    }

    /// Signs in and returns the token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let res = self
            .http
            .post(self.url("/auth/login"))
            .json(&json!({"email": email, "password": password}))
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

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Answer {
        let req = self.http.request(method, self.url(path)).bearer_auth(token);
        self.send(req, body).await
    }

    /// A Developer API call: `path` after `/v2`, sent as written (raw `+`, `@` and `:`).
    pub async fn v2(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Answer {
        let url = format!("{}/v2{path}", self.server.base_url());
        self.send(self.http.request(method, url).bearer_auth(token), body)
            .await
    }

    /// Follows a v2 list's `pagination.next` links from `path` to the last page.
    pub async fn v2_all(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Vec<Value> {
        let mut items = Vec::new();
        let first = self
            .v2(method.clone(), path, token, body.clone())
            .await
            .ok(200);
        let mut page = first;
        let mut pages = 0;
        loop {
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            let next = page["pagination"]["next"].as_str().unwrap().to_owned();
            if next.is_empty() {
                return items;
            }
            pages += 1;
            assert!(pages < 1000, "the list does not end: {page}");
            assert!(next.starts_with("http://"), "next is not absolute: {next}");
            let mut req = self.http.request(method.clone(), &next).bearer_auth(token);
            if let Some(b) = &body {
                req = req.json(b);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 200);
            page = res.json().await.unwrap();
        }
    }

    /// A workspace access token for the Developer API, created by the owner.
    pub async fn api_token(&self, name: &str) -> String {
        let created = self
            .post("/api-tokens", &self.owner, json!({"name": name}))
            .await
            .ok(201);
        created["token"].as_str().unwrap().to_owned()
    }

    async fn send(&self, mut req: reqwest::RequestBuilder, body: Option<Value>) -> Answer {
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer { status, body }
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::PATCH, path, token, Some(body)).await
    }

    /// A Custom Channel (as the owner); returns (id, api_token, signing_secret).
    pub async fn channel(
        &self,
        name: &str,
        supports_voice: bool,
        outbound_url: Option<&str>,
    ) -> Channel {
        let body = self
            .post(
                "/channels",
                &self.owner,
                json!({"name": name, "kind": "custom", "supports_voice": supports_voice,
                       "outbound_url": outbound_url, "allow_private_network": true}),
            )
            .await
            .ok(201);
        Channel {
            id: body["id"].as_str().unwrap().to_owned(),
            token: body["credentials"]["api_token"]
                .as_str()
                .unwrap()
                .to_owned(),
            secret: body["credentials"]["signing_secret"]
                .as_str()
                .unwrap()
                .to_owned(),
        }
    }

    /// Posts a webhook as the channel's provider.
    pub async fn webhook(&self, channel: &Channel, body: Value) -> Answer {
        let res = self
            .http
            .post(self.url("/custom-channel/webhook"))
            .bearer_auth(&channel.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        Answer {
            status,
            body: res.json().await.unwrap_or(Value::Null),
        }
    }

    /// A contact writes a text; returns the contact's id in the workspace.
    pub async fn incoming(
        &self,
        channel: &Channel,
        external: &str,
        m_id: &str,
        text: &str,
    ) -> String {
        self.webhook(
            channel,
            json!({"channelId": channel.id, "contactId": external,
                   "contact": {"firstName": external, "lastName": "Contact"},
                   "events": [{"type": "message", "mId": m_id, "timestamp": 1_795_000_000_000i64,
                               "message": {"type": "text", "text": text}}]}),
        )
        .await
        .ok(200);
        self.contact_by_external(external).await
    }

    /// The workspace id of the contact with this channel identity (as the owner sees it).
    pub async fn contact_by_external(&self, external: &str) -> String {
        let page = self
            .get("/contacts?status=any&limit=500", &self.owner)
            .await
            .ok(200);
        contact_with_external(&page, external)
    }

    /// A contact's timeline, oldest first.
    pub async fn timeline(&self, contact: &str, token: &str) -> Vec<Value> {
        let page = self
            .get(&format!("/contacts/{contact}/messages?limit=200"), token)
            .await
            .ok(200);
        let mut items = page["items"].as_array().unwrap().clone();
        items.reverse();
        items
    }

    /// Waits until `check` holds for the contact's timeline (background jobs settle).
    pub async fn eventually(
        &self,
        contact: &str,
        what: &str,
        check: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let t = self.timeline(contact, &self.owner).await;
            if check(&t) {
                return t;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; timeline: {t:#?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

#[derive(Clone, Debug)]
pub struct Channel {
    pub id: String,
    pub token: String,
    pub secret: String,
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

/// A fresh client id (UUID v7, as the agent makes them).
pub fn client_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The id of the contact of a `/contacts` page that has this channel identity.
pub fn contact_with_external(page: &Value, external: &str) -> String {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["channels"]
                .as_array()
                .unwrap()
                .iter()
                .any(|ch| ch["external_id"] == external)
        })
        .unwrap_or_else(|| panic!("no contact {external} in {page}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
