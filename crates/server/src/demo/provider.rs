//! The demo's provider bridge, on loopback: it accepts our outbound messages as a real Custom
//! Channel provider would (checking the bearer token), answers an mId, and reports them
//! delivered and then read through the real webhook. It also serves the pictures the simulated
//! contacts send.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use base64::Engine;
use messenger_protocol::custom_channel::OutboundMessage;
use serde_json::json;

/// A 48×48 PNG (a blue dot), the photo simulated contacts send.
const PHOTO_PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAADAAAAAwCAIAAADYYG7QAAAArklEQVR42u3Y3QmAMAwE4GzkaG7sCCI4QH2VgvmxbXqFK3n341owiZzXDVVCEEFzQMV3MkAlfkaBqs9s+6HXP5ZENaZDkfUBhVLxpNUEaqdEo5I0jdNkgzpq3qYwaJDGNEnaZTkvTvLj0UOSKRrFBA8a/XrMlySz4vkKiSCCCCKIoDVBQP8yth9lwY4RsaeGmzoQ5zLEyRVutkfcfiDuh0A3aIg7RtAtLBfnBFX1AF/vSLzTHyAOAAAAAElFTkSuQmCC";

#[derive(Clone)]
pub struct DemoProvider {
    /// The server's webhook URL, for receipts.
    pub webhook_url: String,
    /// api_token by channel id.
    pub tokens: Arc<HashMap<String, String>>,
    counter: Arc<AtomicU64>,
    http: reqwest::Client,
}

impl DemoProvider {
    pub fn new(webhook_url: String, tokens: HashMap<String, String>) -> Self {
        Self {
            webhook_url,
            tokens: Arc::new(tokens),
            counter: Arc::default(),
            http: reqwest::Client::new(),
        }
    }

    /// Serves on a free loopback port; returns its base URL.
    pub async fn serve(self) -> std::io::Result<String> {
        let app = Router::new()
            .route("/message", post(message))
            .route("/files/photo.png", get(photo))
            .with_state(self);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "the demo provider stopped");
            }
        });
        Ok(base)
    }
}

async fn photo() -> impl IntoResponse {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(PHOTO_PNG_BASE64)
        .unwrap_or_default();
    ([("content-type", "image/png")], bytes)
}

async fn message(
    State(p): State<DemoProvider>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> impl IntoResponse {
    let Ok(out) = serde_json::from_slice::<OutboundMessage>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": {"message": "unreadable message"}})),
        );
    };
    let token = p.tokens.get(&out.channel_id).cloned().unwrap_or_default();
    let sent = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if sent != format!("Bearer {token}") {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": {"message": "wrong channel token"}})),
        );
    }
    let m_id = format!("demo-{}", p.counter.fetch_add(1, Ordering::Relaxed) + 1);
    let receipt = |status: &'static str, after: u64| {
        let (p, out, token, m_id) = (p.clone(), out.clone(), token.clone(), m_id.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(after)).await;
            let body = json!({"channelId": out.channel_id, "contactId": out.contact_id,
                "events": [{"type": "message_status", "mId": m_id, "status": status}]});
            if let Err(e) = p
                .http
                .post(&p.webhook_url)
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
            {
                tracing::warn!(error = %e, "the demo provider could not send a receipt");
            }
        });
    };
    receipt("delivered", 1200);
    receipt("read", 4000);
    (StatusCode::OK, axum::Json(json!({"mId": m_id})))
}
