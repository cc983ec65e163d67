//! HTTP to the server's v1 API (reqwest). Every failure becomes an [`AgentError`] that says
//! whether it was the network or the server, and what the server said.

use std::time::Duration;

use futures::StreamExt;
use messenger_protocol::{
    Comment, Contact, ContactId, Conversation, FileId, FileInfo, LoginRequest, LoginResponse,
    MessagePage, Seq, Snapshot, User,
};
use reqwest::{Method, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{AgentError, AgentResult};
use crate::event_reader::ReadPage;

#[derive(Clone, Debug)]
pub struct ApiClient {
    base_url: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl ApiClient {
    pub fn new(base_url: &str) -> AgentResult<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("is-messenger-agent/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AgentError::Io(format!("cannot set up HTTP: {e}")))?;
        Ok(Self {
            base_url: base_url.to_owned(),
            token: None,
            http,
        })
    }

    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = format!("{}/api/v1{path}", self.base_url);
        let req = self.http.request(method, url);
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    pub async fn send(&self, req: RequestBuilder) -> AgentResult<Response> {
        let res = req.send().await.map_err(|e| self.unreachable(&e))?;
        if res.status().is_success() {
            return Ok(res);
        }
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        match AgentError::from_answer(status, &text) {
            Some(e) => Err(e),
            None if status >= 500 => Err(AgentError::Server {
                status,
                code: "internal".into(),
                message: format!("The server failed (HTTP {status}); try again shortly."),
                may_pass_later: Some(true),
            }),
            None => Err(AgentError::UnexpectedAnswer {
                server: self.base_url.clone(),
                detail: format!("HTTP {status}"),
            }),
        }
    }

    pub fn unreachable(&self, e: &reqwest::Error) -> AgentError {
        let reason = if e.is_timeout() {
            "it did not answer in time".to_owned()
        } else if e.is_connect() {
            // The innermost cause names it best ("Connection refused", "dns error ...").
            let mut source: Option<&dyn std::error::Error> = Some(e);
            let mut last = e.to_string();
            while let Some(s) = source {
                last = s.to_string();
                source = s.source();
            }
            last
        } else {
            e.to_string()
        };
        AgentError::Unreachable {
            server: self.base_url.clone(),
            reason,
        }
    }

    pub async fn json<T: DeserializeOwned>(&self, res: Response) -> AgentResult<T> {
        let bytes = res.bytes().await.map_err(|e| self.unreachable(&e))?;
        serde_json::from_slice(&bytes).map_err(|e| AgentError::UnexpectedAnswer {
            server: self.base_url.clone(),
            detail: format!("the body did not parse: {e}"),
        })
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> AgentResult<T> {
        let res = self.send(self.request(Method::GET, path)).await?;
        self.json(res).await
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> AgentResult<T> {
        self.send_json(Method::POST, path, body).await
    }

    /// `DELETE`; the answer's body (if any) is not read.
    pub async fn delete(&self, path: &str) -> AgentResult<()> {
        self.send(self.request(Method::DELETE, path)).await?;
        Ok(())
    }

    pub async fn login(&self, email: &str, password: &str) -> AgentResult<LoginResponse> {
        self.post(
            "/auth/login",
            &LoginRequest {
                email: email.to_owned(),
                password: password.to_owned(),
            },
        )
        .await
    }

    pub async fn logout(&self) -> AgentResult<()> {
        self.send(self.request(Method::POST, "/auth/logout"))
            .await?;
        Ok(())
    }

    pub async fn me(&self) -> AgentResult<User> {
        self.get("/me").await
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> AgentResult<T> {
        let res = self.send(self.request(method, path).json(body)).await?;
        self.json(res).await
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> AgentResult<T> {
        self.send_json(Method::PUT, path, body).await
    }

    pub async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> AgentResult<T> {
        self.send_json(Method::PATCH, path, body).await
    }

    pub async fn snapshot(&self) -> AgentResult<Snapshot> {
        self.get("/snapshot").await
    }

    /// A page of the log, read whole or, when an event does not read, one event at a time
    /// ([`crate::event_reader`]).
    pub async fn sync(&self, since: Seq, limit: u32) -> AgentResult<ReadPage> {
        let path = format!("/sync?since={since}&limit={limit}");
        let res = self.send(self.request(Method::GET, &path)).await?;
        let bytes = res.bytes().await.map_err(|e| self.unreachable(&e))?;
        ReadPage::parse(&bytes).map_err(|e| AgentError::UnexpectedAnswer {
            server: self.base_url.clone(),
            detail: format!("the body did not parse: {e}"),
        })
    }

    /// The WebSocket URL of the event stream.
    pub fn stream_url(&self, since: Seq) -> String {
        let base = self
            .base_url
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1);
        format!("{base}/api/v1/stream?since={since}")
    }

    pub async fn messages(
        &self,
        contact: &ContactId,
        before: Option<&str>,
        limit: u32,
    ) -> AgentResult<MessagePage> {
        let before = before.map(|b| format!("&before={b}")).unwrap_or_default();
        self.get(&format!(
            "/contacts/{contact}/messages?limit={limit}{before}"
        ))
        .await
    }

    pub async fn conversations(&self, contact: &ContactId) -> AgentResult<Vec<Conversation>> {
        self.get(&format!("/contacts/{contact}/conversations"))
            .await
    }

    pub async fn comments(&self, contact: &ContactId) -> AgentResult<Vec<Comment>> {
        self.get(&format!("/contacts/{contact}/comments")).await
    }

    pub async fn contact(&self, contact: &ContactId) -> AgentResult<Contact> {
        self.get(&format!("/contacts/{contact}")).await
    }

    /// Uploads a file from disk, streaming it and reporting the bytes sent.
    pub async fn upload_file(
        &self,
        path: &std::path::Path,
        name: &str,
        progress: impl Fn(u64, u64) + Send + Sync + 'static,
    ) -> AgentResult<FileInfo> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| AgentError::Io(format!("Cannot read {}: {e}", path.display())))?;
        let total = file
            .metadata()
            .await
            .map(|m| m.len())
            .map_err(|e| AgentError::Io(format!("Cannot read {}: {e}", path.display())))?;
        let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let stream = tokio_util::io::ReaderStream::new(file).map(move |chunk| {
            if let Ok(c) = &chunk {
                let now = sent.fetch_add(c.len() as u64, std::sync::atomic::Ordering::Relaxed)
                    + c.len() as u64;
                progress(now, total);
            }
            chunk
        });
        let encoded: String = url_encode(name);
        let req = self
            .request(Method::POST, &format!("/files?name={encoded}"))
            .header(reqwest::header::CONTENT_LENGTH, total)
            .body(reqwest::Body::wrap_stream(stream));
        let res = self.send(req).await?;
        self.json(res).await
    }

    /// Downloads a file's bytes.
    pub async fn download(&self, file: &FileId) -> AgentResult<Response> {
        self.send(self.request(Method::GET, &format!("/files/{file}")))
            .await
    }
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
