//! Signing in, the session lifecycle and the error shape, over real HTTP on loopback.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, error_of};
use messenger_protocol::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn login_me_logout_and_the_token_dies() {
    let t = TestServer::start().await;
    t.add_user("Alice@Example.com", "alice-password", Role::Agent)
        .await;

    // Email is matched case-insensitively.
    let token = t.login("alice@example.com", "alice-password").await;

    let me: Value = t
        .http
        .get(t.url("/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "alice@example.com");
    assert_eq!(me["role"], "agent");
    assert!(me.get("password_hash").is_none(), "hash leaked: {me}");

    let res = t
        .http
        .post(t.url("/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    let res = t
        .http
        .get(t.url("/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(res).await;
    assert_eq!((status, code.as_str()), (401, "unauthenticated"));
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let t = TestServer::start().await;
    t.add_user("bob@example.com", "bob-password", Role::Agent)
        .await;
    for (email, password) in [
        ("bob@example.com", "wrong-password"),
        ("nobody@example.com", "bob-password"),
    ] {
        let res = t
            .http
            .post(t.url("/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        let (status, code, message) = error_of(res).await;
        assert_eq!(
            (status, code.as_str()),
            (401, "invalid_credentials"),
            "{email}"
        );
        assert_eq!(message, "Wrong email or password.");
    }
}

#[tokio::test]
async fn malformed_bodies_get_precise_400s() {
    let t = TestServer::start().await;
    let cases: [(&str, &str, u16, &str, &str); 5] = [
        (
            "{\"email\": \"a@b.co\", ",
            "application/json",
            400,
            "malformed_request",
            "not valid JSON",
        ),
        (
            "{\"email\": 42, \"password\": \"x\"}",
            "application/json",
            400,
            "malformed_request",
            "invalid type",
        ),
        (
            "{\"email\": \"a@b.co\"}",
            "application/json",
            400,
            "malformed_request",
            "missing field `password`",
        ),
        (
            "{\"email\": \"a@b.co\", \"password\": \"x\", \"admin\": true}",
            "application/json",
            400,
            "malformed_request",
            "unknown field `admin`",
        ),
        (
            "email=a@b.co",
            "application/x-www-form-urlencoded",
            415,
            "unsupported_media_type",
            "application/json",
        ),
    ];
    for (body, content_type, want_status, want_code, want_in_message) in cases {
        let res = t
            .http
            .post(t.url("/auth/login"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, code, message) = error_of(res).await;
        assert_eq!(
            (status, code.as_str()),
            (want_status, want_code),
            "body {body}: {message}"
        );
        assert!(
            message.contains(want_in_message),
            "body {body}: message {message:?} lacks {want_in_message:?}"
        );
    }
}

#[tokio::test]
async fn empty_credentials_are_refused_before_any_lookup() {
    let t = TestServer::start().await;
    let res = t
        .http
        .post(t.url("/auth/login"))
        .json(&json!({"email": " ", "password": ""}))
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(res).await;
    assert_eq!((status, code.as_str()), (400, "invalid_field"));
}

#[tokio::test]
async fn oversize_body_gets_413() {
    let t = TestServer::start().await;
    let huge = format!(
        "{{\"email\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(2 * 1024 * 1024)
    );
    let res = t
        .http
        .post(t.url("/auth/login"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(res).await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape() {
    let t = TestServer::start().await;
    let res = t.http.get(t.url("/no/such/thing")).send().await.unwrap();
    let (status, code, message) = error_of(res).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
    assert!(message.contains("/api/v1/no/such/thing"), "{message}");

    let res = t.http.get(t.url("/auth/login")).send().await.unwrap();
    let (status, code, _) = error_of(res).await;
    assert_eq!((status, code.as_str()), (405, "method_not_allowed"));
}

#[tokio::test]
async fn missing_or_bad_tokens_get_401_with_the_reason() {
    let t = TestServer::start().await;
    let res = t.http.get(t.url("/me")).send().await.unwrap();
    let (status, code, message) = error_of(res).await;
    assert_eq!((status, code.as_str()), (401, "unauthenticated"));
    assert!(message.contains("missing"), "{message}");

    let res = t
        .http
        .get(t.url("/me"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    let (_, _, message) = error_of(res).await;
    assert!(message.contains("Bearer"), "{message}");

    let res = t
        .http
        .get(t.url("/me"))
        .bearer_auth("made-up-token")
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(res).await;
    assert_eq!((status, code.as_str()), (401, "unauthenticated"));
}

#[tokio::test]
async fn a_session_unused_for_longer_than_the_idle_timeout_expires() {
    let t = TestServer::start_manual_clock().await;
    t.add_user("carol@example.com", "carol-password", Role::Manager)
        .await;
    let token = t.login("carol@example.com", "carol-password").await;
    let clock = t.clock.as_ref().unwrap();

    // Used every 20 days: stays alive (the timeout is 30 days idle, sliding).
    for _ in 0..3 {
        clock.advance_millis(20 * 24 * 3600 * 1000);
        let res = t
            .http
            .get(t.url("/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    clock.advance_millis(31 * 24 * 3600 * 1000);
    let res = t
        .http
        .get(t.url("/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(res).await;
    assert_eq!((status, code.as_str()), (401, "session_expired"));
    // Once expired it is gone, not merely refused.
    let res = t
        .http
        .get(t.url("/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (_, code, _) = error_of(res).await;
    assert_eq!(code, "unauthenticated");
}
