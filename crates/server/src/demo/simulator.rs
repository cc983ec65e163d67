//! Contacts who keep writing in: every few seconds a message through the real webhook, from a
//! known contact (mostly) or a new one, now and then with a photo.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::script::{FIRST_NAMES, FOLLOW_UPS, LAST_NAMES, OPENERS};

/// A contact the simulator can write as.
#[derive(Clone, Debug)]
pub struct Writer {
    pub channel_id: String,
    pub api_token: String,
    pub external_id: String,
}

pub struct Simulator {
    pub webhook_url: String,
    pub photo_url: String,
    pub writers: Vec<Writer>,
    /// Channels new contacts appear on: (channel id, api token).
    pub channels: Vec<(String, String)>,
    pub every: (Duration, Duration),
}

impl Simulator {
    pub async fn run(mut self) {
        let http = reqwest::Client::new();
        let mut rng = StdRng::from_os_rng();
        let mut n: u64 = 0;
        loop {
            let wait = rng.random_range(self.every.0..=self.every.1);
            tokio::time::sleep(wait).await;
            n += 1;
            let new_contact = self.writers.is_empty() || rng.random_bool(0.2);
            let (writer, first, last) = if new_contact {
                let Some((channel_id, api_token)) = self.channels.choose(&mut rng).cloned() else {
                    return;
                };
                let w = Writer {
                    channel_id,
                    api_token,
                    external_id: format!("+1777{:07}", rng.random_range(0..10_000_000)),
                };
                self.writers.push(w.clone());
                (
                    w,
                    FIRST_NAMES.choose(&mut rng).copied(),
                    LAST_NAMES.choose(&mut rng).copied(),
                )
            } else {
                let Some(w) = self.writers.choose(&mut rng).cloned() else {
                    return;
                };
                (w, None, None)
            };
            let message = if rng.random_bool(0.06) {
                json!({"type": "attachment", "attachment": {"type": "image", "url": self.photo_url, "fileName": "photo.png"}})
            } else {
                let pool = if new_contact || rng.random_bool(0.3) {
                    OPENERS
                } else {
                    FOLLOW_UPS
                };
                json!({"type": "text", "text": pool.choose(&mut rng).copied().unwrap_or("Hello?")})
            };
            let mut body = json!({
                "channelId": writer.channel_id,
                "contactId": writer.external_id,
                "events": [{"type": "message", "mId": format!("sim-{}-{n}", std::process::id()),
                            "timestamp": messenger_protocol::Timestamp::now().millis(), "message": message}],
            });
            if let (Some(f), Some(l)) = (first, last) {
                body["contact"] =
                    json!({"firstName": f, "lastName": l, "phone": writer.external_id});
            }
            match http
                .post(&self.webhook_url)
                .bearer_auth(&writer.api_token)
                .json(&body)
                .send()
                .await
            {
                Ok(res) if res.status().is_success() => {}
                Ok(res) => {
                    tracing::warn!(status = %res.status(), "the simulator's webhook was refused")
                }
                Err(e) => tracing::warn!(error = %e, "the simulator could not reach the server"),
            }
        }
    }
}
