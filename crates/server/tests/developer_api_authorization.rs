//! The Developer API's authorization matrix: every operation of `/v2/openapi.json` × every
//! caller: no token, a malformed header, a user's session token, a channel's api_token, a
//! forged, a revoked token, a token whose creator is no longer a manager, and the tokens of a
//! manager and of the owner. Only the last two are let in (and then an unknown contact is a
//! 404); everyone else gets 401 in the v2 shape and changes nothing.
//!
//! The table has one row per operation: a route in the document without a row fails the
//! test, and so does a row whose route is gone. Every mismatch is collected and reported.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

/// What one row's request is made of, for one caller.
struct Fixture {
    /// A contact of the caller's own (deleted or merged by some rows).
    a: String,
    /// A second contact, for merges.
    b: String,
    /// A message of `a`.
    message: String,
    user: String,
    field: String,
    unique: String,
}

type Case = fn(&Fixture) -> (String, Option<Value>);

struct Row {
    method: &'static str,
    path: &'static str,
    case: Case,
    /// The status a valid token gets.
    ok: u16,
    /// The status when the contact of the path does not exist (rows that name one).
    missing: Option<u16>,
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            method: "GET",
            path: "/contact/{identifier}",
            case: |f| (format!("/contact/id:{}", f.a), None),
            ok: 200,
            missing: Some(404),
        },
        Row {
            method: "POST",
            path: "/contact/{identifier}",
            case: |f| {
                (
                    format!("/contact/email:new-{}@example.com", f.unique),
                    Some(json!({"firstName": "New"})),
                )
            },
            ok: 200,
            missing: None,
        },
        Row {
            method: "PUT",
            path: "/contact/{identifier}",
            case: |f| {
                (
                    format!("/contact/id:{}", f.a),
                    Some(json!({"firstName": "Changed"})),
                )
            },
            ok: 200,
            missing: Some(404),
        },
        Row {
            method: "DELETE",
            path: "/contact/{identifier}",
            case: |f| (format!("/contact/id:{}", f.a), None),
            ok: 200,
            missing: Some(404),
        },
        Row {
            method: "POST",
            path: "/contact/create_or_update/{identifier}",
            case: |f| {
                (
                    format!("/contact/create_or_update/id:{}", f.a),
                    Some(json!({"lastName": "Upd"})),
                )
            },
            ok: 200,
            missing: Some(404),
        },
        Row {
            method: "POST",
            path: "/contact/list",
            case: |_| {
                (
                    "/contact/list?limit=5".into(),
                    Some(json!({"search": "", "timezone": "utc", "filter": {"$or": []}})),
                )
            },
            ok: 200,
            missing: None,
        },
        Row {
            method: "POST",
            path: "/contact/merge",
            case: |f| {
                (
                    "/contact/merge".into(),
                    Some(
                        json!({"contactIds": [f.a.parse::<i64>().unwrap(), f.b.parse::<i64>().unwrap()]}),
                    ),
                )
            },
            ok: 200,
            missing: None,
        },
        Row {
            method: "POST",
            path: "/contact/{identifier}/tag",
            case: |f| (format!("/contact/id:{}/tag", f.a), Some(json!(["vip"]))),
            ok: 200,
            missing: Some(404),
        },
        Row {
            method: "DELETE",
            path: "/contact/{identifier}/tag",
            case: |f| (format!("/contact/id:{}/tag", f.a), Some(json!(["vip"]))),
            ok: 200,
            missing: Some(404),
        },
        Row {
            method: "GET",
            path: "/contact/{identifier}/channels",
            case: |f| (format!("/contact/id:{}/channels", f.a), None),
            ok: 200,
            missing: Some(404),
        },
        Row {
            method: "POST",
            path: "/contact/{identifier}/message",
            case: |f| {
                (
                    format!("/contact/id:{}/message", f.a),
                    Some(json!({"message": {"type": "text", "text": "probe"}})),
                )
            },
            ok: 200,
            missing: Some(404),
        },
        Row {
            method: "GET",
            path: "/contact/{identifier}/message/list",
            case: |f| (format!("/contact/id:{}/message/list", f.a), None),
            ok: 200,
            missing: Some(404),
        },
        Row {
            method: "GET",
            path: "/contact/{identifier}/message/{messageId}",
            case: |f| (format!("/contact/id:{}/message/{}", f.a, f.message), None),
            ok: 200,
            missing: Some(404),
        },
        Row {
            method: "POST",
            path: "/contact/{identifier}/conversation/assignee",
            case: |f| {
                (
                    format!("/contact/id:{}/conversation/assignee", f.a),
                    Some(json!({"assignee": f.user.parse::<i64>().unwrap()})),
                )
            },
            ok: 200,
            missing: Some(404),
        },
        Row {
            method: "POST",
            path: "/contact/{identifier}/conversation/status",
            case: |f| {
                (
                    format!("/contact/id:{}/conversation/status", f.a),
                    Some(json!({"status": "close", "category": "", "summary": ""})),
                )
            },
            ok: 200,
            missing: Some(404),
        },
        Row {
            method: "POST",
            path: "/contact/{identifier}/comment",
            case: |f| {
                (
                    format!("/contact/id:{}/comment", f.a),
                    Some(json!({"text": "probe"})),
                )
            },
            ok: 200,
            missing: Some(404),
        },
        Row {
            method: "GET",
            path: "/space/user",
            case: |_| ("/space/user".into(), None),
            ok: 200,
            missing: None,
        },
        Row {
            method: "GET",
            path: "/space/user/{id}",
            case: |f| (format!("/space/user/{}", f.user), None),
            ok: 200,
            missing: None,
        },
        Row {
            method: "GET",
            path: "/space/channel",
            case: |_| ("/space/channel".into(), None),
            ok: 200,
            missing: None,
        },
        Row {
            method: "GET",
            path: "/space/closing_notes",
            case: |_| ("/space/closing_notes".into(), None),
            ok: 200,
            missing: None,
        },
        Row {
            method: "GET",
            path: "/space/custom_field",
            case: |_| ("/space/custom_field".into(), None),
            ok: 200,
            missing: None,
        },
        Row {
            method: "GET",
            path: "/space/custom_field/{id}",
            case: |f| (format!("/space/custom_field/{}", f.field), None),
            ok: 200,
            missing: None,
        },
        Row {
            method: "POST",
            path: "/space/custom_field",
            case: |f| {
                (
                    "/space/custom_field".into(),
                    Some(
                        json!({"name": format!("Field {}", f.unique), "description": "",
                                "dataType": "text", "allowedValues": [], "slug": ""}),
                    ),
                )
            },
            ok: 200,
            missing: None,
        },
    ]
}

/// Swaps the fixture contact of a path for one that does not exist.
fn with_missing_contact(path: &str, f: &Fixture) -> String {
    path.replacen(&format!("id:{}", f.a), "id:999999", 1)
}

async fn call(
    t: &TestServer,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let m = Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = t
        .http
        .request(m, format!("{}/v2{path}", t.server.base_url()));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn every_v2_operation_lets_in_only_valid_workspace_tokens() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let (manager_id, manager) = t.user("Mona Manager", "manager").await;
    let (demoted_id, demoted) = t.user("Dan Demoted", "manager").await;

    let (manager_ref, demoted_ref) = (&manager, &demoted);
    let token_of = |who: &'static str| {
        let t = &t;
        let session = match who {
            "manager" => manager_ref,
            "demoted" => demoted_ref,
            _ => &t.owner,
        };
        async move {
            t.post("/api-tokens", session, json!({"name": who}))
                .await
                .ok(201)
        }
    };
    let owner_token = token_of("owner").await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let manager_token = token_of("manager").await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let demoted_token = token_of("demoted").await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = token_of("owner").await;
    let revoked_id = revoked["api_token"]["id"].as_str().unwrap().to_owned();
    let revoked_token = revoked["token"].as_str().unwrap().to_owned();
    assert_eq!(
        t.call(
            Method::DELETE,
            &format!("/api-tokens/{revoked_id}"),
            &t.owner,
            None
        )
        .await
        .status,
        204
    );
    t.patch(
        &format!("/users/{demoted_id}"),
        &t.owner,
        json!({"role": "agent"}),
    )
    .await
    .ok(200);

    let rejected: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("a malformed header", Some("Token abc".into())),
        (
            "a user's session token",
            Some(format!("Bearer {}", t.owner)),
        ),
        (
            "a channel's api_token",
            Some(format!("Bearer {}", ch.token)),
        ),
        (
            "a forged token",
            Some("Bearer ism_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into()),
        ),
        ("a revoked token", Some(format!("Bearer {revoked_token}"))),
        (
            "a token whose creator is no longer a manager",
            Some(format!("Bearer {demoted_token}")),
        ),
    ];
    let field = t
        .post(
            "/custom-fields",
            &t.owner,
            json!({"name": "Plan", "data_type": "text"}),
        )
        .await
        .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let allowed = [
        ("the owner's token", owner_token),
        ("a manager's token", manager_token),
    ];

    // The table covers the document exactly.
    let (status, doc) = call(&t, "GET", "/openapi.json", None, None).await;
    assert_eq!(status, 200);
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let table: BTreeSet<_> = rows()
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    let mut mismatches = Vec::new();
    for op in documented.difference(&table) {
        mismatches.push(format!("{} {} is documented but has no row", op.0, op.1));
    }
    for op in table.difference(&documented) {
        mismatches.push(format!("{} {} has a row but is not documented", op.0, op.1));
    }

    let mut n = 0;
    for row in rows() {
        let callers = rejected
            .iter()
            .map(|(who, auth)| (*who, auth.clone(), false))
            .chain(
                allowed
                    .iter()
                    .map(|(who, tok)| (*who, Some(format!("Bearer {tok}")), true)),
            );
        for (who, auth, ok) in callers {
            n += 1;
            let a = t
                .incoming(&ch, &format!("+1555{n:04}"), &format!("a{n}"), "hello")
                .await;
            let b = t
                .incoming(&ch, &format!("+1556{n:04}"), &format!("b{n}"), "hello")
                .await;
            let message = t
                .timeline(&a, &t.owner)
                .await
                .iter()
                .find(|m| m["direction"] == "incoming")
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let f = Fixture {
                a: a.clone(),
                b,
                message,
                user: manager_id.clone(),
                field: field.clone(),
                unique: n.to_string(),
            };
            let (path, body) = (row.case)(&f);
            let (status, answer) = call(&t, row.method, &path, auth.as_deref(), body.clone()).await;
            let want = if ok { row.ok } else { 401 };
            let shaped = answer["code"] == status
                && answer["message"].as_str().is_some_and(|m| !m.is_empty());
            if status != want || (status >= 400 && !shaped) {
                mismatches.push(format!(
                    "{} {} as {who}: expected {want}, got {status}: {answer}",
                    row.method, row.path
                ));
            }
            if !ok && t.get(&format!("/contacts/{a}"), &t.owner).await.status != 200 {
                mismatches.push(format!(
                    "{} {} as {who}: the refused request removed the contact",
                    row.method, row.path
                ));
            }
            if ok && let Some(missing) = row.missing {
                let (status, answer) = call(
                    &t,
                    row.method,
                    &with_missing_contact(&path, &f),
                    auth.as_deref(),
                    body,
                )
                .await;
                if status != missing || answer["code"] != status {
                    mismatches.push(format!("{} {} as {who} on a missing contact: expected {missing}, got {status}: {answer}", row.method, row.path));
                }
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
