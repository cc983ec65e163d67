//! Where a scenario's servers keep their data: SQLite in one server's data directory, or a
//! fresh database on the PostgreSQL server that `MESSENGER_BENCH_DATABASE_URL` names (a server,
//! not a database: `postgres://user@127.0.0.1:PORT`), shared by every instance together with
//! one secret key and one files directory, as a real deployment behind a load balancer is.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use messenger_e2e::{ServerProcess, SharedStorage};
use serde_json::{Value, json};

/// The PostgreSQL server the PostgreSQL scenarios use; without it they print "skipped".
pub const DATABASE_ENV: &str = "MESSENGER_BENCH_DATABASE_URL";

const OWNER_EMAIL: &str = "bench@example.com";
const OWNER_PASSWORD: &str = "bench-password";

#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres { server_url: String },
}

impl Backend {
    /// The PostgreSQL server of the environment, or why the scenario is skipped.
    pub fn postgres() -> Result<Self, String> {
        match std::env::var(DATABASE_ENV) {
            Ok(url) if !url.trim().is_empty() => Ok(Self::Postgres {
                server_url: url.trim().to_owned(),
            }),
            _ => Err(format!(
                "{DATABASE_ENV} is not set (a PostgreSQL server URL, e.g. from \
                 `scripts/postgres-cluster start`)"
            )),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres { .. } => "PostgreSQL",
        }
    }
}

/// The URL of database `name` on the server `server_url` names (its path and query replaced).
fn database_url(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server_url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = base[after_scheme..]
        .find('/')
        .map(|i| after_scheme + i)
        .unwrap_or(base.len());
    let mut url = format!("{}/{name}", &base[..authority_end]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

fn psql(server_url: &str, sql: &str) -> anyhow::Result<()> {
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(database_url(server_url, "postgres"))
        .args(["-c", sql])
        .output()
        .context("run psql (PostgreSQL's client; scripts/bootstrap installs it)")?;
    if !out.status.success() {
        bail!(
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// A database made for one scenario and dropped after it.
struct FreshDatabase {
    server_url: String,
    name: String,
}

impl FreshDatabase {
    fn create(server_url: &str, scenario: &str) -> anyhow::Result<Self> {
        let name = format!(
            "messenger_bench_{}_{}",
            scenario.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
            uuid::Uuid::new_v4().simple()
        );
        psql(server_url, &format!("CREATE DATABASE {name}"))?;
        Ok(Self {
            server_url: server_url.to_owned(),
            name,
        })
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        if let Err(e) = psql(
            &self.server_url,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        ) {
            eprintln!("could not drop the bench database {}: {e}", self.name);
        }
    }
}

/// Server instances on one store, with an owner signed in and a custom channel.
pub struct Workspace {
    // Field order is drop order: the servers stop before their database is dropped.
    pub instances: Vec<ServerProcess>,
    _database: Option<FreshDatabase>,
    _dir: tempfile::TempDir,
    pub http: reqwest::Client,
    pub owner_token: String,
    pub channel: String,
    pub api_token: String,
}

impl Workspace {
    /// `count` instances of `messenger-server serve` on `backend` (SQLite: one, in its own data
    /// directory), the owner signed in on the first.
    pub async fn start(backend: &Backend, count: usize, scenario: &str) -> anyhow::Result<Self> {
        anyhow::ensure!(count >= 1, "a workspace needs an instance");
        let dir = tempfile::tempdir()?;
        let (shared, database) = match backend {
            Backend::Sqlite => {
                anyhow::ensure!(count == 1, "SQLite serves one instance");
                (SharedStorage::default(), None)
            }
            Backend::Postgres { server_url } => {
                let db = FreshDatabase::create(server_url, scenario)?;
                let files = dir.path().join("files");
                std::fs::create_dir_all(&files)?;
                let key = format!(
                    "{}{}",
                    uuid::Uuid::new_v4().simple(),
                    uuid::Uuid::new_v4().simple()
                );
                let shared = SharedStorage {
                    database_url: Some(database_url(server_url, &db.name)),
                    secret_key: Some(key),
                    files_dir: Some(files),
                };
                (shared, Some(db))
            }
        };
        let first = instance_dir(dir.path(), 0)?;
        ServerProcess::add_user_shared(
            &first,
            &shared,
            OWNER_EMAIL,
            "Bench",
            OWNER_PASSWORD,
            "owner",
        )?;
        let mut instances = Vec::with_capacity(count);
        for i in 0..count {
            let data = instance_dir(dir.path(), i)?;
            let log = dir.path().join(format!("server-{i}.log"));
            instances.push(ServerProcess::start_shared(&data, &log, &shared)?);
        }
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()?;
        let base = instances[0].base_url.clone();
        let login: Value = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": OWNER_EMAIL, "password": OWNER_PASSWORD}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let owner_token = login["token"].as_str().unwrap_or_default().to_owned();
        let ch: Value = http
            .post(format!("{base}/api/v1/channels"))
            .bearer_auth(&owner_token)
            .json(&json!({"name": "Bench", "kind": "custom"}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let channel = ch["id"].as_str().unwrap_or_default().to_owned();
        let api_token = ch["credentials"]["api_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        Ok(Self {
            instances,
            _database: database,
            _dir: dir,
            http,
            owner_token,
            channel,
            api_token,
        })
    }

    pub fn base_urls(&self) -> Vec<String> {
        self.instances.iter().map(|s| s.base_url.clone()).collect()
    }

    pub fn webhook_urls(&self) -> Vec<String> {
        self.instances
            .iter()
            .map(|s| format!("{}/api/v1/custom-channel/webhook", s.base_url))
            .collect()
    }

    /// What posting webhooks needs, to move into sender tasks.
    pub fn sender(&self) -> WebhookSender {
        WebhookSender {
            http: self.http.clone(),
            api_token: self.api_token.clone(),
            channel: self.channel.clone(),
        }
    }

    /// Agents (role agent) added by the owner through the API, each signed in once; their
    /// session tokens.
    pub async fn agents(&self, count: usize) -> anyhow::Result<Vec<String>> {
        let base = &self.instances[0].base_url;
        let mut tokens = Vec::with_capacity(count);
        for i in 0..count {
            let email = format!("agent{i}@example.com");
            self.http
                .post(format!("{base}/api/v1/users"))
                .bearer_auth(&self.owner_token)
                .json(&json!({"email": email, "name": format!("Agent {i}"),
                              "password": "agent-password", "role": "agent"}))
                .send()
                .await?
                .error_for_status()
                .context("add an agent")?;
            let login: Value = self
                .http
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"email": email, "password": "agent-password"}))
                .send()
                .await?
                .error_for_status()
                .context("sign an agent in")?
                .json()
                .await?;
            tokens.push(login["token"].as_str().unwrap_or_default().to_owned());
        }
        Ok(tokens)
    }
}

/// Posts webhooks to the workspace's custom channel.
#[derive(Clone)]
pub struct WebhookSender {
    http: reqwest::Client,
    api_token: String,
    channel: String,
}

impl WebhookSender {
    /// One webhook body: `messages` text messages from `contact`, mIds `{m_id}-{i}`.
    pub fn body(&self, contact: &str, m_id: &str, text: &str, messages: usize) -> String {
        let events: Vec<Value> = (0..messages)
            .map(|i| {
                json!({"type": "message", "mId": format!("{m_id}-{i}"), "timestamp": 1,
                       "message": {"type": "text", "text": text}})
            })
            .collect();
        json!({"channelId": self.channel, "contactId": contact, "events": events}).to_string()
    }

    /// Posts one prepared webhook body to `url`; an error unless it was answered 200.
    pub async fn post(&self, url: &str, body: String) -> anyhow::Result<()> {
        self.http
            .post(url)
            .bearer_auth(&self.api_token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }
}

fn instance_dir(root: &Path, i: usize) -> anyhow::Result<std::path::PathBuf> {
    let d = root.join(format!("instance-{i}"));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn the_database_replaces_the_path_and_keeps_the_query() {
        assert_eq!(
            database_url("postgres://u@127.0.0.1:5432", "x"),
            "postgres://u@127.0.0.1:5432/x"
        );
        assert_eq!(
            database_url("postgres://u@127.0.0.1:5432/postgres?sslmode=disable", "x"),
            "postgres://u@127.0.0.1:5432/x?sslmode=disable"
        );
    }
}
