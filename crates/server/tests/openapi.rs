//! The OpenAPI document at /api/v1/openapi.json is generated from the handlers; this checks it
//! against the routes that answer, and against the DESIGN.md contract.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

/// The routes DESIGN.md lists (method, path).
const CONTRACT: &[(&str, &str)] = &[
    ("post", "/auth/login"),
    ("post", "/auth/logout"),
    ("get", "/me"),
    ("put", "/me/status"),
    ("get", "/users"),
    ("post", "/users"),
    ("patch", "/users/{id}"),
    ("delete", "/users/{id}"),
    ("get", "/settings"),
    ("patch", "/settings"),
    ("get", "/closing-note-categories"),
    ("post", "/closing-note-categories"),
    ("patch", "/closing-note-categories/{id}"),
    ("delete", "/closing-note-categories/{id}"),
    ("get", "/channels"),
    ("post", "/channels"),
    ("post", "/custom-channel/webhook"),
    ("get", "/contacts"),
    ("get", "/contacts/{id}"),
    ("patch", "/contacts/{id}"),
    ("put", "/contacts/{id}/assignee"),
    ("post", "/contacts/{id}/merge"),
    ("get", "/contacts/{id}/conversations"),
    ("post", "/contacts/{id}/conversations"),
    ("post", "/conversations/{id}/close"),
    ("get", "/contacts/{id}/messages"),
    ("post", "/contacts/{id}/messages"),
    ("post", "/files"),
    ("get", "/files/{id}"),
    ("post", "/contacts/{id}/comments"),
    ("get", "/snippets"),
    ("post", "/snippets"),
    ("patch", "/snippets/{id}"),
    ("delete", "/snippets/{id}"),
    ("get", "/sync"),
    ("get", "/stream"),
    ("get", "/workflows"),
    ("post", "/workflows"),
    ("put", "/workflows/{id}"),
    ("delete", "/workflows/{id}"),
    ("get", "/reports/conversations"),
];

#[tokio::test]
async fn the_document_lists_the_contract_and_every_documented_route_answers() {
    let t = TestServer::start().await;
    let doc: Value = t.openapi().await;
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in CONTRACT {
        assert!(
            paths.get(*path).and_then(|p| p.get(*method)).is_some(),
            "the OpenAPI document lacks {method} {path}"
        );
    }
    let mut checked = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let url = path.replace("{id}", "1");
            let body = matches!(m, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
            let a = t.call(m.clone(), &url, &t.owner, body).await;
            let message = a.body["error"]["message"].as_str().unwrap_or_default();
            assert!(
                !message.starts_with("There is no route"),
                "{method} {path} is documented but not routed"
            );
            assert_ne!(
                a.status, 405,
                "{method} {path} is documented but the method is not routed"
            );
            checked += 1;
        }
    }
    assert!(checked >= CONTRACT.len());
    // Schemas come from the wire types.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "Contact",
        "Conversation",
        "Message",
        "Event",
        "ApiErrorBody",
        "Snapshot",
    ] {
        assert!(schemas.contains_key(name), "no schema {name}");
    }
}
