//! A channel provider on loopback for the desktop tests: it accepts the server's outbound
//! messages at `/message` (answering with an `mId`, as respond.io's Custom Channel does) and
//! keeps what it received, so a test can see what reached the contact.

use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use axum::Json;
use axum::extract::State;
use axum::routing::post;
use serde_json::{Value, json};

#[derive(Clone, Default)]
pub struct Provider {
    received: Arc<Mutex<Vec<Value>>>,
    /// The channel's `outbound_url`: the server posts to `<outbound_url>/message`.
    pub outbound_url: String,
}

impl Provider {
    /// Serves on a free port from a thread of its own, for as long as the test runs.
    pub fn start() -> Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let provider = Provider {
            outbound_url: format!("http://{}", listener.local_addr()?),
            ..Default::default()
        };
        let state = provider.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("provider runtime")?;
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let app = axum::Router::new()
                    .route("/message", post(message))
                    .with_state(state);
                let _ = axum::serve(listener, app).await;
            });
        });
        Ok(provider)
    }

    /// The outbound message bodies received so far.
    pub fn received(&self) -> Vec<Value> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

async fn message(State(p): State<Provider>, Json(body): Json<Value>) -> Json<Value> {
    let n = match p.received.lock() {
        Ok(mut r) => {
            r.push(body);
            r.len()
        }
        Err(_) => 0,
    };
    Json(json!({"mId": format!("provider-{n}")}))
}
