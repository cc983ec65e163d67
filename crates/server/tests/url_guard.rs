//! A message to a provider address the URL guard refuses fails at once with the guard's
//! reason (no retries that cannot help), and its `message.upserted` tells every client. No
//! traffic leaves loopback: the guard refuses before connecting.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{TestServer, client_id};
use messenger_server::jobs::RetryPolicy;
use serde_json::{Value, json};

/// Retries so slow that only an immediate failure shows within the test.
async fn server_without_quick_retries() -> TestServer {
    TestServer::start_with(
        |c| {
            c.retry = RetryPolicy {
                base: Duration::from_secs(120),
                max: Duration::from_secs(600),
                max_attempts: 8,
            }
        },
        None,
    )
    .await
}

/// A channel pointed at `outbound_url`, a contact on it, and a reply to that contact.
async fn reply_through(t: &TestServer, outbound_url: &str, allow_private: bool) -> (String, Value) {
    let ch = t
        .post(
            "/channels",
            &t.owner,
            json!({"name": "Bridge", "kind": "custom", "supports_voice": false,
                   "outbound_url": outbound_url, "allow_private_network": allow_private}),
        )
        .await
        .ok(201);
    let ch = common::Channel {
        id: ch["id"].as_str().unwrap().into(),
        token: ch["credentials"]["api_token"].as_str().unwrap().into(),
        secret: String::new(),
    };
    let contact = t.incoming(&ch, "guest", "m1", "hello").await;
    let sent = t
        .post(
            &format!("/contacts/{contact}/messages"),
            &t.owner,
            json!({"client_id": client_id(), "text": "hi there"}),
        )
        .await
        .ok(201);
    (contact, sent)
}

async fn failed_outgoing(t: &TestServer, contact: &str) -> Value {
    let tl = t
        .eventually(contact, "the reply to fail", |tl| {
            tl.iter()
                .any(|m| m["direction"] == "outgoing" && m["delivery"] == "failed")
        })
        .await;
    tl.into_iter()
        .find(|m| m["direction"] == "outgoing")
        .unwrap()
}

#[tokio::test]
async fn a_private_provider_address_fails_the_message_at_once_with_the_reason() {
    let t = server_without_quick_retries().await;
    let (contact, sent) = reply_through(&t, "http://10.0.0.5:9", false).await;
    assert_eq!(sent["delivery"], "pending");
    let m = failed_outgoing(&t, &contact).await;
    assert_eq!(
        m["error"],
        "The provider address 10.0.0.5 is a private network address; allow_private_network is off"
    );
    // Clients hear of it through the log.
    let page = t.get("/sync?since=0", &t.owner).await.ok(200);
    let upserted = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|e| e["type"] == "message.upserted" && e["data"]["id"] == m["id"])
        .cloned()
        .unwrap();
    assert_eq!(upserted["data"]["delivery"], "failed");
    assert_eq!(upserted["data"]["error"], m["error"]);
}

#[tokio::test]
async fn never_reached_addresses_fail_even_when_private_networks_are_allowed() {
    for (url, reason) in [
        ("http://224.0.0.1:9", "224.0.0.1 is a multicast address"),
        ("http://[ff02::1]:9", "ff02::1 is a multicast address"),
        (
            "http://198.18.0.1:9",
            "198.18.0.1 is a benchmarking address",
        ),
        (
            "http://255.255.255.255:9",
            "255.255.255.255 is the broadcast address",
        ),
        (
            "http://[64:ff9b::a00:5]:9",
            "64:ff9b::a00:5 is a NAT64 address",
        ),
        ("http://[::ffff:240.0.0.1]:9", "is a reserved address"),
    ] {
        let t = server_without_quick_retries().await;
        let (contact, _) = reply_through(&t, url, true).await;
        let m = failed_outgoing(&t, &contact).await;
        let error = m["error"].as_str().unwrap();
        assert!(
            error.starts_with("The provider address") && error.contains(reason),
            "{url}: {error}"
        );
        assert!(
            error.ends_with("which the server never sends to"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn an_integration_url_the_guard_never_reaches_is_dropped_without_retries() {
    let t = server_without_quick_retries().await;
    t.post(
        "/integrations/webhooks",
        &t.owner,
        json!({"url": "http://224.0.0.1/hook", "allow_private_network": true,
               "events": ["message.received"]}),
    )
    .await
    .ok(201);
    let ch = t.channel("Web", false, None).await;
    t.incoming(&ch, "guest", "m1", "hello").await;
    // A retried delivery would wait two minutes in the queue; a dropped one leaves it empty.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let next = t
            .server
            .state
            .store
            .read(|tx| Ok(tx.next_job_time()?))
            .await
            .unwrap();
        if next.is_none() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the refused delivery is still queued for {next:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
