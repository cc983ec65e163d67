//! Bad input is a 400 in the DESIGN.md error shape, never a 500 and never silently something
//! else: ids in paths and queries, dates, limits, and a plain GET on the WebSocket endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestServer, error_of};

#[tokio::test]
async fn report_dates_outside_the_sane_years_are_refused() {
    let t = TestServer::start().await;
    for query in [
        "to=-009999-01-01",
        "from=-009999-01-01&to=2026-11-01",
        "to=+010000-01-01",
        "to=1999-12-31",
        "from=1970-01-01&to=1970-01-02",
        "to=2026-13-01",
        "to=2026-11-31",
        "to=yesterday",
    ] {
        let msg = t
            .get(&format!("/reports/conversations?{query}"), &t.owner)
            .await
            .err(400, "invalid_field");
        assert!(msg.contains("date"), "{query}: {msg}");
    }
    // The edges of the range work, also when the default `from` reaches back a week.
    t.get("/reports/conversations?to=2000-01-02", &t.owner)
        .await
        .ok(200);
    t.get(
        "/reports/conversations?from=9999-12-25&to=9999-12-31",
        &t.owner,
    )
    .await
    .ok(200);
    t.get("/reports/conversations?user_id=abc", &t.owner)
        .await
        .err(400, "malformed_request");
    t.get("/reports/conversations?user_id=99999999999", &t.owner)
        .await
        .err(404, "not_found");
}

#[tokio::test]
async fn malformed_path_ids_are_400_and_unknown_ones_404() {
    let t = TestServer::start().await;
    for path in [
        "/contacts/abc",
        "/contacts/0",
        "/contacts/-1",
        "/contacts/007",
        "/contacts/1.5",
        "/contacts/99999999999999999999",
        "/contacts/%F0%9F%98%80",
        "/contacts/abc/messages",
        "/contacts/abc/comments",
        "/contacts/abc/conversations",
        "/users/x",
        "/snippets/1e3",
        "/workflows/%20",
    ] {
        let verb = if path.starts_with("/users") || path.starts_with("/snippets") {
            reqwest::Method::PATCH
        } else if path.starts_with("/workflows") {
            reqwest::Method::DELETE
        } else {
            reqwest::Method::GET
        };
        let msg = t
            .call(verb, path, &t.owner, Some(serde_json::json!({})))
            .await
            .err(400, "malformed_request");
        assert!(msg.contains("id"), "{path}: {msg}");
    }
    t.get("/contacts/123456", &t.owner)
        .await
        .err(404, "not_found");
    t.get("/contacts/9223372036854775807", &t.owner)
        .await
        .err(404, "not_found");
}

#[tokio::test]
async fn query_ids_and_limits_are_checked() {
    let t = TestServer::start().await;
    let ch = t.channel("Web", false, None).await;
    let contact = t.incoming(&ch, "ext-1", "m1", "hello").await;
    for query in [
        "before=abc",
        "before=0",
        "before=-5",
        "limit=0",
        "limit=201",
        "limit=-1",
    ] {
        let res = t
            .get(&format!("/contacts/{contact}/messages?{query}"), &t.owner)
            .await;
        assert_eq!(res.status, 400, "{query}: {}", res.body);
        assert!(
            res.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let page = t
        .get(
            &format!("/contacts/{contact}/messages?before=9223372036854775807"),
            &t.owner,
        )
        .await
        .ok(200);
    assert!(!page["items"].as_array().unwrap().is_empty());
    for query in [
        "limit=0",
        "limit=100000000000000000000000",
        "cursor=nonsense",
        "view=everyone",
        "status=maybe",
        "unknown=1",
    ] {
        let res = t.get(&format!("/contacts?{query}"), &t.owner).await;
        assert_eq!(res.status, 400, "{query}: {}", res.body);
    }
    let long = "x".repeat(201);
    t.get(&format!("/contacts?q={long}"), &t.owner)
        .await
        .err(400, "invalid_field");
}

#[tokio::test]
async fn a_plain_get_on_the_stream_answers_in_the_error_shape() {
    let t = TestServer::start().await;
    let res = t
        .http
        .get(t.url("/stream?since=0"))
        .bearer_auth(&t.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let (status, code, message) = error_of(res).await;
    assert_eq!((status, code.as_str()), (400, "malformed_request"));
    assert!(message.contains("WebSocket"), "{message}");
    // Without a token it is a 401 first, in the same shape.
    let res = t.http.get(t.url("/stream?since=0")).send().await.unwrap();
    assert_eq!(error_of(res).await.0, 401);
}

#[tokio::test]
async fn voice_notes_longer_than_five_minutes_are_refused() {
    let t = TestServer::start().await;
    let ch = t.channel("Web", true, None).await;
    let contact = t.incoming(&ch, "ext-1", "m1", "hello").await;
    let path = format!("/contacts/{contact}/messages");
    let msg = t
        .post(
            &path,
            &t.owner,
            serde_json::json!({"client_id": common::client_id(),
                   "voice": {"file_id": "1", "duration_ms": 6 * 60 * 1000}}),
        )
        .await
        .err(400, "invalid_field");
    assert!(msg.contains("5 minutes"), "{msg}");
    t.post(
        &path,
        &t.owner,
        serde_json::json!({"client_id": common::client_id(),
               "voice": {"file_id": "1", "duration_ms": 1000, "waveform": vec![7; 10_000]}}),
    )
    .await
    .err(400, "invalid_field");
}
