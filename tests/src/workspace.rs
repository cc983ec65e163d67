//! A workspace set up through the real HTTP API as its owner: users, a custom channel, closing
//! notes, snippets, contacts writing in through the channel's webhook, and reads to check what
//! the server stored. Blocking, like the rest of the suite.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::ServerProcess;

pub const OWNER_EMAIL: &str = "owner@example.com";
pub const OWNER_PASSWORD: &str = "owner-password";

pub struct Workspace {
    http: Client,
    pub base_url: String,
    owner: String,
    pub channel_id: String,
    channel_token: String,
}

/// A custom channel: its id and the bearer token its provider posts webhooks with.
pub struct ChannelKeys {
    pub id: String,
    pub token: String,
}

impl Workspace {
    /// Adds the owner (and `users`: email, name, password, role) before the server starts.
    pub fn add_users(data_dir: &Path, users: &[(&str, &str, &str, &str)]) -> Result<()> {
        ServerProcess::add_user(
            data_dir,
            OWNER_EMAIL,
            "Olivia Owner",
            OWNER_PASSWORD,
            "owner",
        )?;
        for (email, name, password, role) in users {
            ServerProcess::add_user(data_dir, email, name, password, role)?;
        }
        Ok(())
    }

    /// Signs in as the owner and creates a channel named `channel` (voice notes as asked)
    /// whose outbound messages go to `outbound_url` (a [`Provider`](crate::provider::Provider)).
    pub fn open(
        base_url: &str,
        channel: &str,
        supports_voice: bool,
        outbound_url: Option<&str>,
    ) -> Result<Self> {
        let http = Client::builder().timeout(Duration::from_secs(30)).build()?;
        let login: Value = http
            .post(format!("{base_url}/api/v1/auth/login"))
            .json(&json!({"email": OWNER_EMAIL, "password": OWNER_PASSWORD}))
            .send()?
            .json()?;
        let owner = login["token"]
            .as_str()
            .ok_or_else(|| anyhow!("owner login: {login}"))?
            .to_owned();
        let mut ws = Self {
            http,
            base_url: base_url.to_owned(),
            owner,
            channel_id: String::new(),
            channel_token: String::new(),
        };
        let keys = ws.add_channel(channel, supports_voice, outbound_url)?;
        ws.channel_id = keys.id;
        ws.channel_token = keys.token;
        Ok(ws)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base_url)
    }

    fn answer(res: reqwest::blocking::Response, what: &str) -> Result<Value> {
        let status = res.status();
        let body: Value = res.json().unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{what}: HTTP {status}: {body}");
        }
        Ok(body)
    }

    pub fn get(&self, path: &str) -> Result<Value> {
        let res = self
            .http
            .get(self.url(path))
            .bearer_auth(&self.owner)
            .send()?;
        Self::answer(res, path)
    }

    pub fn post(&self, path: &str, body: Value) -> Result<Value> {
        let res = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.owner)
            .json(&body)
            .send()?;
        Self::answer(res, path)
    }

    pub fn patch(&self, path: &str, body: Value) -> Result<Value> {
        let res = self
            .http
            .patch(self.url(path))
            .bearer_auth(&self.owner)
            .json(&body)
            .send()?;
        Self::answer(res, path)
    }

    /// Assigns a contact (or unassigns it with `None`) as the owner.
    pub fn assign(&self, contact: &str, user: Option<&str>) -> Result<()> {
        let res = self
            .http
            .put(self.url(&format!("/contacts/{contact}/assignee")))
            .bearer_auth(&self.owner)
            .json(&json!({"user_id": user}))
            .send()?;
        Self::answer(res, "assign").map(drop)
    }

    pub fn add_channel(
        &self,
        name: &str,
        supports_voice: bool,
        outbound_url: Option<&str>,
    ) -> Result<ChannelKeys> {
        // The provider runs on loopback, which channels refuse unless told otherwise.
        let ch = self.post(
            "/channels",
            json!({"name": name, "kind": "custom", "supports_voice": supports_voice,
                   "outbound_url": outbound_url, "allow_private_network": outbound_url.is_some()}),
        )?;
        Ok(ChannelKeys {
            id: ch["id"].as_str().context("channel id")?.to_owned(),
            token: ch["credentials"]["api_token"]
                .as_str()
                .context("channel token")?
                .to_owned(),
        })
    }

    /// A contact writes a text on the workspace's channel.
    pub fn incoming(&self, external: &str, first_name: &str, m_id: &str, text: &str) -> Result<()> {
        self.incoming_on(
            &ChannelKeys {
                id: self.channel_id.clone(),
                token: self.channel_token.clone(),
            },
            external,
            first_name,
            m_id,
            text,
        )
    }

    pub fn incoming_on(
        &self,
        channel: &ChannelKeys,
        external: &str,
        first_name: &str,
        m_id: &str,
        text: &str,
    ) -> Result<()> {
        let res = self
            .http
            .post(self.url("/custom-channel/webhook"))
            .bearer_auth(&channel.token)
            .json(&json!({"channelId": channel.id, "contactId": external,
                "contact": {"firstName": first_name},
                "events": [{"type": "message", "mId": m_id, "timestamp": 1,
                            "message": {"type": "text", "text": text}}]}))
            .send()?;
        Self::answer(res, "webhook").map(drop)
    }

    /// The contact with this identity on a channel.
    pub fn contact_by_external(&self, external: &str) -> Result<Value> {
        let page = self.get("/contacts?status=any&limit=500")?;
        page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| {
                c["channels"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|ch| ch["external_id"] == external)
            })
            .cloned()
            .ok_or_else(|| anyhow!("no contact {external}"))
    }

    pub fn contact(&self, id: &str) -> Result<Value> {
        self.get(&format!("/contacts/{id}"))
    }

    pub fn user_id(&self, email: &str) -> Result<String> {
        let users = self.get("/users")?;
        users
            .as_array()
            .into_iter()
            .flatten()
            .find(|u| u["email"] == email)
            .and_then(|u| u["id"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("no user {email}"))
    }

    /// A contact's messages (activity entries included), oldest first.
    pub fn messages(&self, contact: &str) -> Result<Vec<Value>> {
        let page = self.get(&format!("/contacts/{contact}/messages?limit=200"))?;
        let mut items = page["items"].as_array().cloned().unwrap_or_default();
        items.sort_by(|a, b| a["created_at"].as_str().cmp(&b["created_at"].as_str()));
        Ok(items)
    }

    pub fn comments(&self, contact: &str) -> Result<Vec<Value>> {
        let list = self.get(&format!("/contacts/{contact}/comments"))?;
        Ok(list.as_array().cloned().unwrap_or_default())
    }

    /// Retries `check` until it returns `Some` or `timeout` passes.
    pub fn eventually<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut() -> Result<Option<T>>,
    ) -> Result<T> {
        let deadline = Instant::now() + timeout;
        let mut last_error = None;
        loop {
            match check() {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => {}
                Err(e) => last_error = Some(e),
            }
            if Instant::now() >= deadline {
                bail!("{what} did not happen within {timeout:?} (last error: {last_error:?})");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
