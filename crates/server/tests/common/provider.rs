//! A fake provider bridge on loopback: it receives our outbound messages at `/message`,
//! records them with their headers, and answers as told (accept with an mId, fail, be slow).
//! It also serves files for attachment fetches.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};

/// How the provider answers the next outbound requests.
#[derive(Clone, Copy, Debug)]
pub enum Reply {
    Accept,
    Fail(u16, &'static str),
}

#[derive(Clone, Debug)]
pub struct Received {
    pub body: Value,
    pub raw: Vec<u8>,
    pub authorization: String,
    pub signature: String,
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    script: VecDeque<Reply>,
    counter: u64,
    files: std::collections::HashMap<String, (String, Vec<u8>)>,
}

#[derive(Clone, Default)]
pub struct Provider {
    inner: Arc<Mutex<Inner>>,
    pub base: String,
}

impl Provider {
    pub async fn start() -> Self {
        let mut p = Provider::default();
        let app = Router::new()
            .route("/message", post(message))
            .route("/files/{name}", get(file))
            .route("/redirect/{name}", get(redirect))
            .with_state(p.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        p.base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        p
    }

    /// Answers for the next requests, in order; after them, accept.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.inner.lock().unwrap().script.extend(replies);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    pub fn serve_file(&self, name: &str, mime: &str, bytes: Vec<u8>) -> String {
        self.inner
            .lock()
            .unwrap()
            .files
            .insert(name.into(), (mime.into(), bytes));
        format!("{}/files/{name}", self.base)
    }
}

async fn message(State(p): State<Provider>, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    let mut inner = p.inner.lock().unwrap();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    inner.received.push(Received {
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        raw: body.to_vec(),
        authorization: header("authorization"),
        signature: header("x-messenger-signature"),
    });
    match inner.script.pop_front().unwrap_or(Reply::Accept) {
        Reply::Accept => {
            inner.counter += 1;
            (
                StatusCode::OK,
                axum::Json(json!({"mId": format!("out-{}", inner.counter)})),
            )
        }
        Reply::Fail(status, message) => (
            StatusCode::from_u16(status).unwrap(),
            axum::Json(json!({"error": {"message": message}})),
        ),
    }
}

async fn file(State(p): State<Provider>, Path(name): Path<String>) -> impl IntoResponse {
    match p.inner.lock().unwrap().files.get(&name) {
        Some((mime, bytes)) => (
            StatusCode::OK,
            [("content-type", mime.clone())],
            bytes.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn redirect(Path(name): Path<String>) -> impl IntoResponse {
    (StatusCode::FOUND, [("location", format!("/files/{name}"))])
}
