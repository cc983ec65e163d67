//! Sending one case: plain HTTP (no connection reuse), or a WebSocket upgrade for `/stream`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures::StreamExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::{Body, Case, World};

impl World {
    /// Performs one request; `Err` is a transport failure.
    ///
    /// A 503 with `Retry-After` (the server's cap on concurrent password hashing) is tried
    /// again, as a client would: it says nothing about who may call the operation.
    pub async fn perform(
        &self,
        method: &str,
        case: &Case,
        token: Option<&str>,
    ) -> Result<(u16, String), String> {
        let mut answer = self.perform_once(method, case, token).await?;
        for _ in 0..10 {
            let Some(wait) = answer.2 else { break };
            tokio::time::sleep(wait).await;
            answer = self.perform_once(method, case, token).await?;
        }
        Ok((answer.0, answer.1))
    }

    /// One try: status, body, and how long to wait when the server is saturated.
    async fn perform_once(
        &self,
        method: &str,
        case: &Case,
        token: Option<&str>,
    ) -> Result<(u16, String, Option<Duration>), String> {
        if let Body::Upgrade = case.body {
            let (status, body) = self.upgrade(&case.path, token).await?;
            return Ok((status, body, None));
        }
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method, self.t.url(&case.path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req = match &case.body {
            Body::None | Body::Upgrade => req,
            Body::Json(v) => req.json(v),
            Body::Raw(bytes) => req
                .header("content-type", "application/octet-stream")
                .body(bytes.clone()),
        };
        let res = req
            .send()
            .await
            .map_err(|e| format!("transport error: {e}"))?;
        let status = res.status().as_u16();
        let retry = (status == 503)
            .then(|| res.headers().get("retry-after"))
            .flatten()
            .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
            .map(|secs| Duration::from_millis((secs * 1000).clamp(50, 1000)));
        let text = res
            .text()
            .await
            .map_err(|e| format!("transport error reading the body: {e}"))?;
        Ok((status, text, retry))
    }

    async fn upgrade(&self, path: &str, token: Option<&str>) -> Result<(u16, String), String> {
        let mut req = self.t.ws_url(path).into_client_request().unwrap();
        if let Some(token) = token {
            req.headers_mut()
                .insert("authorization", format!("Bearer {token}").parse().unwrap());
        }
        match tokio_tungstenite::connect_async(req).await {
            Ok((mut ws, res)) => {
                let _ = ws.close(None).await;
                // Let the server see the close before the case ends.
                let _ = tokio::time::timeout(Duration::from_millis(200), ws.next()).await;
                Ok((res.status().as_u16(), String::new()))
            }
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
                let body = res
                    .body()
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                Ok((res.status().as_u16(), body))
            }
            Err(e) => Err(format!("WebSocket error: {e}")),
        }
    }
}
