//! The respond.io-compatible Custom Channel: the inbound webhook, outbound delivery with bearer
//! token and HMAC signature from the durable queue, retries, receipts, and attachments.
#![allow(clippy::unwrap_used)]

mod common;

use common::provider::{Provider, Reply};
use common::{TestServer, client_id};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn text_event(m_id: &str, text: &str) -> Value {
    json!({"type": "message", "mId": m_id, "timestamp": 1_795_000_000_000i64, "message": {"type": "text", "text": text}})
}

#[tokio::test]
async fn the_webhook_requires_the_channels_token_and_matching_channel_id() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let other = t.channel("Telegram", true, None).await;
    let body = json!({"channelId": ch.id, "contactId": "c1", "events": [text_event("m1", "hi")]});

    let res = t
        .http
        .post(t.url("/custom-channel/webhook"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, code, _) = common::error_of(res).await;
    assert_eq!((status, code.as_str()), (401, "unauthenticated"));
    let res = t
        .http
        .post(t.url("/custom-channel/webhook"))
        .bearer_auth("forged")
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, _, message) = common::error_of(res).await;
    assert_eq!(status, 401);
    assert!(message.contains("No channel"), "{message}");
    // A user's session token is not a channel token.
    let res = t
        .http
        .post(t.url("/custom-channel/webhook"))
        .bearer_auth(&t.owner)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let msg = t.webhook(&other, body.clone()).await.err(403, "forbidden");
    assert!(msg.contains("does not match"), "{msg}");
    let ok = t.webhook(&ch, body).await.ok(200);
    assert_eq!(
        ok,
        json!({"stored": 1, "echoes": 0, "duplicates": 0, "receipts": 0, "welcomes": 0})
    );
}

#[tokio::test]
async fn malformed_webhooks_get_precise_400s_and_store_nothing() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    // Bodies that do not parse are malformed; bodies that parse but break a rule are invalid.
    let cases = [
        (
            json!({"channelId": ch.id, "contactId": "c1"}),
            "malformed_request",
            "missing field `events`",
        ),
        (
            json!({"channelId": ch.id, "contactId": "c1", "events": []}),
            "invalid_field",
            "no events",
        ),
        (
            json!({"channelId": ch.id, "contactId": "c1", "events": [text_event("m1", "  ")]}),
            "invalid_field",
            "events[0].message.text is empty",
        ),
        (
            json!({"channelId": ch.id, "contactId": "c1", "events": [{"type": "message", "mId": "m2", "timestamp": 1,
            "message": {"type": "attachment", "attachment": {"type": "image", "url": "file:///etc/passwd"}}}]}),
            "invalid_field",
            "http://",
        ),
        (
            json!({"channelId": ch.id, "contactId": "c1", "events": [{"type": "message", "mId": "m3", "timestamp": 1,
            "message": {"type": "sticker"}}]}),
            "malformed_request",
            "unknown variant",
        ),
        (
            json!({"channelId": ch.id, "contactId": "c1", "events": [text_event("m4", "fine"), {"type": "bogus"}]}),
            "malformed_request",
            "unknown variant",
        ),
    ];
    for (body, code, expected) in cases {
        let message = t.webhook(&ch, body.clone()).await.err(400, code);
        assert!(
            message.contains(expected),
            "{body}: {message:?} lacks {expected:?}"
        );
    }
    // Not JSON at all.
    let res = t
        .http
        .post(t.url("/custom-channel/webhook"))
        .bearer_auth(&ch.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let contacts = t.get("/contacts?status=any", &t.owner).await.ok(200);
    assert_eq!(
        contacts["items"],
        json!([]),
        "nothing of a refused webhook is stored"
    );
}

#[tokio::test]
async fn a_repeated_mid_is_accepted_and_stored_once() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let body = json!({"channelId": ch.id, "contactId": "c1", "events": [text_event("m1", "hi"), text_event("m1", "hi")]});
    assert_eq!(t.webhook(&ch, body.clone()).await.ok(200)["duplicates"], 1);
    assert_eq!(t.webhook(&ch, body).await.ok(200)["duplicates"], 2);
    let contact = t.contact_by_external("c1").await;
    let incoming: Vec<_> = t
        .timeline(&contact, &t.owner)
        .await
        .into_iter()
        .filter(|m| m["direction"] == "incoming")
        .collect();
    assert_eq!(incoming.len(), 1);
    // The same mId on another channel is another message.
    let other = t.channel("Telegram", false, None).await;
    t.webhook(
        &other,
        json!({"channelId": other.id, "contactId": "c1", "events": [text_event("m1", "hi")]}),
    )
    .await
    .ok(200);
}

#[tokio::test]
async fn replies_are_delivered_signed_with_the_bearer_token_and_marked_sent() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    let contact = t.incoming(&ch, "+34600", "m1", "Hola").await;

    let sent = t
        .post(
            &format!("/contacts/{contact}/messages"),
            &t.owner,
            json!({"client_id": client_id(), "text": "Hola, ¿en qué te ayudo?"}),
        )
        .await
        .ok(201);
    assert_eq!(sent["delivery"], "pending");
    let id = sent["id"].clone();
    t.eventually(&contact, "delivery", |tl| {
        tl.iter().any(|m| m["id"] == id && m["delivery"] == "sent")
    })
    .await;

    let got = provider.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.authorization, format!("Bearer {}", ch.token));
    assert_eq!(
        r.signature,
        hmac_hex(&ch.secret, &r.raw),
        "X-Messenger-Signature is the HMAC of the body"
    );
    assert_eq!(
        r.body,
        json!({"channelId": ch.id, "contactId": "+34600", "message": {"type": "text", "text": "Hola, ¿en qué te ayudo?"}})
    );

    // The provider's receipts move the message forward, never back.
    for (status, want) in [
        ("delivered", "delivered"),
        ("read", "read"),
        ("delivered", "read"),
    ] {
        t.webhook(&ch, json!({"channelId": ch.id, "contactId": "+34600", "events": [{"type": "message_status", "mId": "out-1", "status": status}]}))
            .await
            .ok(200);
        let tl = t.timeline(&contact, &t.owner).await;
        let m = tl.iter().find(|m| m["id"] == id).unwrap();
        assert_eq!(m["delivery"], want, "after a {status} receipt");
    }
    // A receipt for an unknown mId is accepted and ignored.
    t.webhook(&ch, json!({"channelId": ch.id, "contactId": "+34600", "events": [{"type": "message_status", "mId": "nope", "status": "read"}]}))
        .await
        .ok(200);
}

#[tokio::test]
async fn failed_deliveries_are_retried_then_marked_failed_with_the_providers_reason() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    let contact = t.incoming(&ch, "+1", "m1", "hi").await;
    let send = |text: &'static str| {
        let t = &t;
        let contact = contact.clone();
        async move {
            t.post(
                &format!("/contacts/{contact}/messages"),
                &t.owner,
                json!({"client_id": client_id(), "text": text}),
            )
            .await
            .ok(201)
        }
    };

    // What may pass by waiting (5xx, 429 Too Many Requests, 408) is retried: sent after them
    // (at most 3 attempts in tests).
    for (script, asked) in [
        (
            vec![Reply::Fail(503, "busy"), Reply::Fail(429, "slow down")],
            3,
        ),
        (vec![Reply::Fail(408, "timed out")], 5),
    ] {
        provider.script(script);
        let a = send("first").await;
        t.eventually(&contact, "retried delivery", |tl| {
            tl.iter()
                .any(|m| m["id"] == a["id"] && m["delivery"] == "sent")
        })
        .await;
        assert_eq!(provider.received().len(), asked);
    }

    // Always failing with a 5xx: failed after max attempts (3 in tests), with its words.
    provider.script([Reply::Fail(503, "Upstream is down"); 3]);
    let b = send("second").await;
    let tl = t
        .eventually(&contact, "failed delivery", |tl| {
            tl.iter()
                .any(|m| m["id"] == b["id"] && m["delivery"] == "failed")
        })
        .await;
    let m = tl.iter().find(|m| m["id"] == b["id"]).unwrap();
    assert_eq!(m["error"], "Upstream is down");
    assert_eq!(provider.received().len(), 8);
}

#[tokio::test]
async fn a_provider_4xx_fails_the_message_at_once_with_the_providers_words() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    let contact = t.incoming(&ch, "+1", "m1", "hi").await;
    for (status, words) in [
        (400, "Recipient is not on WhatsApp"),
        (403, "The 24-hour window is closed"),
        (404, "Unknown recipient"),
    ] {
        let before = provider.received().len();
        provider.script([Reply::Fail(status, words)]);
        let sent = t
            .post(
                &format!("/contacts/{contact}/messages"),
                &t.owner,
                json!({"client_id": client_id(), "text": format!("to {status}")}),
            )
            .await
            .ok(201);
        let tl = t
            .eventually(&contact, "failed delivery", |tl| {
                tl.iter()
                    .any(|m| m["id"] == sent["id"] && m["delivery"] == "failed")
            })
            .await;
        let m = tl.iter().find(|m| m["id"] == sent["id"]).unwrap();
        assert_eq!(m["error"], words, "HTTP {status}");
        // Not retried: the provider was asked once.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(provider.received().len(), before + 1, "HTTP {status}");
    }
}

#[tokio::test]
async fn a_provider_that_is_down_leaves_the_message_failed_with_a_clear_reason() {
    let t = TestServer::start().await;
    let dead = format!(
        "http://127.0.0.1:{}",
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    );
    let ch = t.channel("WhatsApp", true, Some(&dead)).await;
    let contact = t.incoming(&ch, "+1", "m1", "hi").await;
    let a = t
        .post(
            &format!("/contacts/{contact}/messages"),
            &t.owner,
            json!({"client_id": client_id(), "text": "x"}),
        )
        .await
        .ok(201);
    let tl = t
        .eventually(&contact, "failed delivery", |tl| {
            tl.iter()
                .any(|m| m["id"] == a["id"] && m["delivery"] == "failed")
        })
        .await;
    let m = tl.iter().find(|m| m["id"] == a["id"]).unwrap();
    assert!(m["error"].as_str().unwrap().contains("cannot reach"), "{m}");
}

#[tokio::test]
async fn a_channel_without_an_outbound_url_fails_the_message_at_once() {
    let t = TestServer::start().await;
    let ch = t.channel("Inbound only", false, None).await;
    let contact = t.incoming(&ch, "+1", "m1", "hi").await;
    let a = t
        .post(
            &format!("/contacts/{contact}/messages"),
            &t.owner,
            json!({"client_id": client_id(), "text": "x"}),
        )
        .await
        .ok(201);
    assert_eq!(a["delivery"], "failed");
    assert!(
        a["error"].as_str().unwrap().contains("no outbound URL"),
        "{a}"
    );
}

#[tokio::test]
async fn attachments_by_url_are_fetched_and_stored() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    let png =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    provider.serve_file("photo.png", "image/png", png.clone());
    let url = format!("{}/redirect/photo.png", provider.base);
    t.webhook(&ch, json!({"channelId": ch.id, "contactId": "c1", "events": [{"type": "message", "mId": "a1", "timestamp": 1,
        "message": {"type": "attachment", "attachment": {"type": "image", "url": url, "fileName": "photo.png"}}}]}))
        .await
        .ok(200);
    let contact = t.contact_by_external("c1").await;
    let tl = t
        .eventually(&contact, "fetched attachment", |tl| {
            tl.iter().any(|m| {
                m["attachments"]
                    .get(0)
                    .is_some_and(|a| a["status"] == "ready")
            })
        })
        .await;
    let a = &tl.iter().find(|m| m["direction"] == "incoming").unwrap()["attachments"][0];
    assert_eq!(a["kind"], "image");
    assert_eq!(a["mime"], "image/png");
    assert_eq!(a["size"], png.len());
    let bytes = t
        .http
        .get(t.url(&format!("/files/{}", a["file_id"].as_str().unwrap())))
        .bearer_auth(&t.owner)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.to_vec(), png);
}

#[tokio::test]
async fn attachments_on_private_addresses_are_refused_unless_the_channel_allows_them() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let url = provider.serve_file("x.txt", "text/plain", b"secret".to_vec());
    let ch = t
        .post(
            "/channels",
            &t.owner,
            json!({"name": "Strict", "kind": "custom", "supports_voice": false}),
        )
        .await
        .ok(201);
    let ch = common::Channel {
        id: ch["id"].as_str().unwrap().into(),
        token: ch["credentials"]["api_token"].as_str().unwrap().into(),
        secret: String::new(),
    };
    t.webhook(&ch, json!({"channelId": ch.id, "contactId": "c1", "events": [{"type": "message", "mId": "a1", "timestamp": 1,
        "message": {"type": "attachment", "attachment": {"type": "file", "url": url}}}]}))
        .await
        .ok(200);
    let contact = t.contact_by_external("c1").await;
    let tl = t
        .eventually(&contact, "refused fetch", |tl| {
            tl.iter().any(|m| {
                m["attachments"]
                    .get(0)
                    .is_some_and(|a| a["status"] == "failed")
            })
        })
        .await;
    let a = &tl.iter().find(|m| m["direction"] == "incoming").unwrap()["attachments"][0];
    assert!(
        a["error"]
            .as_str()
            .unwrap()
            .contains("is a loopback address; allow_private_network is off"),
        "{a}"
    );
    assert_eq!(a["file_id"], Value::Null);
}

#[tokio::test]
async fn oversize_and_missing_attachments_fail_with_the_reason() {
    let t = TestServer::start_with(|c| c.max_upload_bytes = 1000, None).await;
    let provider = Provider::start().await;
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    let big = provider.serve_file("big.bin", "application/octet-stream", vec![7u8; 5000]);
    let missing = format!("{}/files/gone.bin", provider.base);
    t.webhook(&ch, json!({"channelId": ch.id, "contactId": "c1", "events": [
        {"type": "message", "mId": "a1", "timestamp": 1, "message": {"type": "attachment", "attachment": {"type": "file", "url": big}}},
        {"type": "message", "mId": "a2", "timestamp": 2, "message": {"type": "attachment", "attachment": {"type": "file", "url": missing}}}]}))
        .await
        .ok(200);
    let contact = t.contact_by_external("c1").await;
    let tl = t
        .eventually(&contact, "both fetches settle", |tl| {
            tl.iter()
                .filter(|m| {
                    m["attachments"]
                        .get(0)
                        .is_some_and(|a| a["status"] == "failed")
                })
                .count()
                == 2
        })
        .await;
    let errors: Vec<String> = tl
        .iter()
        .filter_map(|m| m["attachments"].get(0))
        .map(|a| a["error"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        errors[0].contains("larger than the 1000-byte limit"),
        "{errors:?}"
    );
    assert!(errors[1].contains("HTTP 404"), "{errors:?}");
}

#[tokio::test]
async fn voice_notes_go_out_as_voice_where_the_channel_supports_it_and_as_audio_elsewhere() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let voice_ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    let plain_ch = t.channel("Web chat", false, Some(&provider.base)).await;
    let on_voice = t.incoming(&voice_ch, "v", "m1", "hi").await;
    let on_plain = t.incoming(&plain_ch, "p", "m1", "hi").await;
    let ogg = b"OggS\0\x02\0\0\0\0\0\0\0\0OpusHead".to_vec();
    let file = t
        .http
        .post(t.url("/files?name=note.ogg"))
        .bearer_auth(&t.owner)
        .body(ogg)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(file["mime"], "audio/ogg");
    for (contact, kind) in [(&on_voice, "voice"), (&on_plain, "audio")] {
        let m = t
            .post(&format!("/contacts/{contact}/messages"), &t.owner,
                json!({"client_id": client_id(), "voice": {"file_id": file["id"], "duration_ms": 3200, "waveform": [0, 128, 255]}}))
            .await
            .ok(201);
        assert_eq!(m["attachments"][0]["kind"], kind);
        assert_eq!(m["attachments"][0]["duration_ms"], 3200);
        assert_eq!(m["attachments"][0]["waveform"], json!([0, 128, 255]));
        assert_eq!(m["text"], "");
        let id = m["id"].clone();
        t.eventually(contact, "voice delivery", |tl| {
            tl.iter().any(|x| x["id"] == id && x["delivery"] == "sent")
        })
        .await;
    }
    let got = provider.received();
    let attachments: Vec<&Value> = got
        .iter()
        .map(|r| &r.body["message"]["attachment"])
        .collect();
    assert_eq!(attachments[0]["voice"], true);
    assert_eq!(attachments[0]["type"], "audio");
    assert_eq!(attachments[1]["voice"], Value::Null);
    // The signed link works without a token.
    let link = attachments[0]["url"].as_str().unwrap();
    let res = reqwest::get(link).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "audio/ogg");
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

fn echo_event(m_id: &str, text: &str) -> Value {
    json!({"type": "message_echo", "mId": m_id, "timestamp": now_ms(), "message": {"type": "text", "text": text}})
}

#[tokio::test]
async fn message_echoes_are_stored_once_as_outgoing_messages_sent_by_the_channel() {
    let t = TestServer::start().await;
    let ch = t.channel("Shop WhatsApp", true, None).await;
    let contact = t.incoming(&ch, "+52155", "m1", "¿Tienen talla M?").await;
    let before = t
        .get(&format!("/contacts/{contact}"), &t.owner)
        .await
        .ok(200);
    assert!(before["waiting_since"].is_string());

    // An echo among other events: the batch is accepted, the echo stored once.
    let body = json!({"channelId": ch.id, "contactId": "+52155",
        "events": [echo_event("e1", "Sí, la tenemos"), echo_event("e1", "Sí, la tenemos"), text_event("m2", "¡Gracias!")]});
    let answer = t.webhook(&ch, body.clone()).await.ok(200);
    assert_eq!(
        answer,
        json!({"stored": 1, "echoes": 1, "duplicates": 1, "receipts": 0, "welcomes": 0})
    );
    assert_eq!(t.webhook(&ch, body).await.ok(200)["duplicates"], 3);

    let tl = t.timeline(&contact, &t.owner).await;
    let echoes: Vec<_> = tl.iter().filter(|m| m["direction"] == "outgoing").collect();
    assert_eq!(echoes.len(), 1, "{tl:#?}");
    let echo = echoes[0];
    assert_eq!(echo["text"], "Sí, la tenemos");
    assert_eq!(
        echo["sender"],
        json!({"kind": "channel", "id": ch.id, "name": "Shop WhatsApp"})
    );
    assert_eq!(echo["delivery"], "sent");
    assert_eq!(echo["conversation_id"], before["open_conversation_id"]);

    // No agent answered: nobody is assigned and the conversation has no first response.
    let after = t
        .get(&format!("/contacts/{contact}"), &t.owner)
        .await
        .ok(200);
    assert!(after["assignee_id"].is_null(), "{after}");
    let conversations = t
        .get(&format!("/contacts/{contact}/conversations"), &t.owner)
        .await
        .ok(200);
    let open = conversations
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "open")
        .unwrap()
        .clone();
    assert!(open["first_response_at"].is_null(), "{open}");

    // A receipt for the echo finds it by its mId.
    t.webhook(&ch, json!({"channelId": ch.id, "contactId": "+52155", "events": [{"type": "message_status", "mId": "e1", "status": "read"}]}))
        .await
        .ok(200);
    let tl = t.timeline(&contact, &t.owner).await;
    assert_eq!(
        tl.iter().find(|m| m["id"] == echo["id"]).unwrap()["delivery"],
        "read"
    );

    // The business may write first from its phone: the contact is created, no conversation
    // is opened for it.
    t.webhook(
        &ch,
        json!({"channelId": ch.id, "contactId": "+52166", "events": [echo_event("e2", "Your order shipped")]}),
    )
    .await
    .ok(200);
    let new = t.contact_by_external("+52166").await;
    let c = t.get(&format!("/contacts/{new}"), &t.owner).await.ok(200);
    assert!(c["open_conversation_id"].is_null(), "{c}");
    assert!(c["waiting_since"].is_null(), "{c}");
    assert_eq!(c["last_message_preview"], "Your order shipped");
}

#[tokio::test]
async fn the_senders_timestamp_is_kept_within_limits_and_the_order_stays_arrival_order() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let hour_ago = now_ms() - 3_600_000;
    let message = |m_id: &str, ts: i64| json!({"type": "message", "mId": m_id, "timestamp": ts, "message": {"type": "text", "text": m_id}});
    let cases = [
        ("written-now", now_ms(), true),
        ("an-hour-ago", hour_ago, true),
        ("epoch-zero", 0, false),
        ("seconds-not-ms", now_ms() / 1000, false),
        ("next-year", now_ms() + 365 * 24 * 3_600_000, false),
        ("negative", -5, false),
    ];
    for (m_id, ts, _) in &cases {
        t.webhook(
            &ch,
            json!({"channelId": ch.id, "contactId": "c1", "events": [message(m_id, *ts)]}),
        )
        .await
        .ok(200);
    }
    let contact = t.contact_by_external("c1").await;
    let tl: Vec<_> = t
        .timeline(&contact, &t.owner)
        .await
        .into_iter()
        .filter(|m| m["direction"] == "incoming")
        .collect();
    let order: Vec<_> = tl.iter().map(|m| m["text"].as_str().unwrap()).collect();
    let sent_order: Vec<_> = cases.iter().map(|c| c.0).collect();
    assert_eq!(order, sent_order, "the timeline is in arrival order");
    for ((m_id, ts, kept), m) in cases.iter().zip(&tl) {
        let created = time::OffsetDateTime::parse(
            m["created_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let arrival_ms = i64::try_from(created.unix_timestamp_nanos() / 1_000_000).unwrap();
        assert!(
            (arrival_ms - now_ms()).abs() < 60_000,
            "{m_id}: created_at is arrival"
        );
        if *kept {
            let sent = time::OffsetDateTime::parse(
                m["sent_at"].as_str().unwrap(),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap();
            assert_eq!(
                i64::try_from(sent.unix_timestamp_nanos() / 1_000_000).unwrap(),
                *ts,
                "{m_id}"
            );
        } else {
            assert!(m.get("sent_at").is_none(), "{m_id}: {m}");
        }
    }
}

#[tokio::test]
async fn the_webhook_url_may_end_with_a_slash() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let res = t
        .http
        .post(t.url("/custom-channel/webhook/"))
        .bearer_auth(&ch.token)
        .json(&json!({"channelId": ch.id, "contactId": "c1", "events": [text_event("m1", "hi")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["stored"], 1);
    // The slash form checks the token like the other.
    let res = t
        .http
        .post(t.url("/custom-channel/webhook/"))
        .bearer_auth("forged")
        .json(&json!({"channelId": ch.id, "contactId": "c1", "events": [text_event("m2", "hi")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn contact_fields_are_kept_the_picture_fetched_and_the_snippets_fill_them() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    let png =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    let pic = provider.serve_file("maria.png", "image/png", png.clone());
    t.webhook(
        &ch,
        json!({"channelId": ch.id, "contactId": "+34600",
               "contact": {"firstName": "María", "lastName": "López", "profilePic": pic,
                           "language": "es_ES", "countryCode": "es", "timezone": "Europe/Madrid"},
               "events": [text_event("m1", "Hola")]}),
    )
    .await
    .ok(200);
    let contact = t.contact_by_external("+34600").await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let c = loop {
        let c = t
            .get(&format!("/contacts/{contact}"), &t.owner)
            .await
            .ok(200);
        if c["profile"]["avatar_file_id"].is_string() {
            break c;
        }
        assert!(tokio::time::Instant::now() < deadline, "no picture: {c}");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    assert_eq!(c["profile"]["language"], "es-ES");
    assert_eq!(c["profile"]["country_code"], "ES");
    assert_eq!(c["profile"]["timezone"], "Europe/Madrid");
    let file = c["profile"]["avatar_file_id"].as_str().unwrap();
    let res = t
        .http
        .get(t.url(&format!("/files/{file}")))
        .bearer_auth(&t.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);

    // An agent who may not see the contact is told the picture does not exist.
    let (_, agent) = t.user("Agent Only-Mine", "agent").await;
    t.patch(
        "/settings",
        &t.owner,
        json!({"agent_visibility": "assigned"}),
    )
    .await
    .ok(200);
    let res = t
        .http
        .get(t.url(&format!("/files/{file}")))
        .bearer_auth(&agent)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // Later details never overwrite what is there; odd values are dropped, not the message.
    t.webhook(
        &ch,
        json!({"channelId": ch.id, "contactId": "+34600",
               "contact": {"language": "fr", "countryCode": "France!", "timezone": "<script>"},
               "events": [text_event("m2", "Otra")]}),
    )
    .await
    .ok(200);
    let again = t
        .get(&format!("/contacts/{contact}"), &t.owner)
        .await
        .ok(200);
    assert_eq!(again["profile"], c["profile"]);
    let other = t.channel("Telegram", false, None).await;
    t.webhook(
        &other,
        json!({"channelId": other.id, "contactId": "tg-1",
               "contact": {"firstName": "Jean", "locale": "fr", "countryCode": "France!", "timezone": "<script>",
                           "profilePic": "file:///etc/passwd"},
               "events": [text_event("m1", "Bonjour")]}),
    )
    .await
    .ok(200);
    let jean = t.contact_by_external("tg-1").await;
    let jean = t.get(&format!("/contacts/{jean}"), &t.owner).await.ok(200);
    assert_eq!(jean["profile"], json!({"language": "fr"}));

    let snippet = t
        .post(
            "/snippets",
            &t.owner,
            json!({"name": "Locale", "shortcut": "locale",
                   "text": "{{contact.language}} {{contact.country_code}} {{contact.timezone}}"}),
        )
        .await
        .ok(201);
    let rendered = t
        .post(
            &format!("/snippets/{}/render", snippet["id"].as_str().unwrap()),
            &t.owner,
            json!({"contact_id": contact}),
        )
        .await
        .ok(200);
    assert_eq!(rendered["text"], "es-ES ES Europe/Madrid");
}

#[tokio::test]
async fn a_picture_that_is_not_an_image_or_on_a_refused_address_is_not_kept() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let html = provider.serve_file("page.html", "text/html", b"<html>hi</html>".to_vec());
    // allow_private_network is off: the provider on loopback is refused.
    let guarded = t
        .post(
            "/channels",
            &t.owner,
            json!({"name": "Guarded", "kind": "custom", "outbound_url": provider.base}),
        )
        .await
        .ok(201);
    let guarded = common::Channel {
        id: guarded["id"].as_str().unwrap().to_owned(),
        token: guarded["credentials"]["api_token"]
            .as_str()
            .unwrap()
            .to_owned(),
        secret: String::new(),
    };
    let png = provider.serve_file("p.png", "image/png", b"\x89PNG\r\n\x1a\n".to_vec());
    t.webhook(
        &guarded,
        json!({"channelId": guarded.id, "contactId": "g1", "contact": {"profilePic": png},
               "events": [text_event("m1", "hi")]}),
    )
    .await
    .ok(200);
    let open = t.channel("Open", true, None).await;
    t.webhook(
        &open,
        json!({"channelId": open.id, "contactId": "o1", "contact": {"profilePic": html},
               "events": [text_event("m1", "hi")]}),
    )
    .await
    .ok(200);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    for external in ["g1", "o1"] {
        let id = t.contact_by_external(external).await;
        let c = t.get(&format!("/contacts/{id}"), &t.owner).await.ok(200);
        assert!(
            c["profile"].get("avatar_file_id").is_none(),
            "{external}: {c}"
        );
    }
}

#[tokio::test]
async fn a_part_refused_after_others_went_out_fails_the_message_saying_so_and_keeps_its_mid() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    let contact = t.incoming(&ch, "+1", "m1", "hi").await;
    let file = t
        .http
        .post(t.url("/files?name=prices.pdf"))
        .bearer_auth(&t.owner)
        .body(b"%PDF-1.4 price list".to_vec())
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    // The text goes out; the attachment is refused.
    provider.script([Reply::Accept, Reply::Fail(415, "PDF is not supported")]);
    let sent = t
        .post(
            &format!("/contacts/{contact}/messages"),
            &t.owner,
            json!({"client_id": client_id(), "text": "Our prices", "file_ids": [file["id"]]}),
        )
        .await
        .ok(201);
    let tl = t
        .eventually(&contact, "failed delivery", |tl| {
            tl.iter()
                .any(|m| m["id"] == sent["id"] && m["delivery"] == "failed")
        })
        .await;
    let m = tl.iter().find(|m| m["id"] == sent["id"]).unwrap();
    assert_eq!(
        m["error"],
        "Part 2 of 2 was refused (the parts before it went out): PDF is not supported"
    );
    assert_eq!(provider.received().len(), 2);
    // The text's mId was kept: its receipt finds the message.
    t.webhook(&ch, json!({"channelId": ch.id, "contactId": "+1", "events": [{"type": "message_status", "mId": "out-1", "status": "read"}]}))
        .await
        .ok(200);
    let tl = t.timeline(&contact, &t.owner).await;
    let m = tl.iter().find(|m| m["id"] == sent["id"]).unwrap();
    assert_eq!(
        m["delivery"], "read",
        "the text's receipt finds the message by the mId kept"
    );
}
