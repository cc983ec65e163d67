//! The authorization matrix (issue 11): every operation of the OpenAPI document × no token, a
//! malformed token, a logged-out token, a channel's api_token, agents Alice and Bob, a manager
//! and the owner × each `agent_visibility`, with ids of entities the caller must not see. Then
//! the event log as Alice (and an agent created after the assignments) reads it: `/sync`, the
//! stream's backlog and its live events carry nothing about contacts she may not see now.
//!
//! The table below has one row per operation. A route in the document without a row fails the
//! test, and so does a row whose route is gone. Every mismatch is collected and reported at the
//! end, as "METHOD path [target] as CALLER (visibility): expected X, got Y: body".
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/matrix/mod.rs"]
mod matrix;

use serde_json::{Value, json};

use common::client_id;
use matrix::run::{Entry, check_every_visibility};
use matrix::{
    Body, Caller, Case, Deletable, Expect, Holder, MISSING, Spare, integration_body, workflow_body,
};

/// Everyone may list the users, so a missing user id is a plain 404 for agents too.
fn users_are_listed(missing: &mut Case, c: Caller) {
    if c.is_agent() {
        missing.expect = Expect::Err(404);
    }
}

fn json_body(v: Value) -> Body {
    Body::Json(v)
}

/// The rules, from DESIGN.md and the handlers: owners and managers administer the workspace
/// (users, settings, channels, categories, snippets, workflows, integrations, merges); every
/// signed-in user reads the workspace's lists, their own reports and the log; contacts, their
/// conversations, messages and comments follow `agent_visibility` (404 when hidden); files
/// follow DESIGN.md "Files".
fn matrix() -> Vec<Entry> {
    vec![
        Entry {
            method: "POST",
            path: "/auth/login",
            // Needs no token: whatever the caller sends along, the password decides. One wrong
            // password only (as no token, for Carol), so the sign-in rate limit stays untouched.
            cases: |_, c| {
                let mut cases = vec![Case::new(
                    "Alice's password",
                    "/auth/login",
                    json_body(
                        json!({"email": "alice.agent@example.com", "password": "password-123"}),
                    ),
                    Expect::Ok(200),
                )];
                if c == Caller::NoToken {
                    cases.push(Case::new(
                        "a wrong password",
                        "/auth/login",
                        json_body(json!({"email": "carol.agent@example.com", "password": "nope"})),
                        Expect::Err(401),
                    ));
                }
                cases
            },
        },
        Entry {
            method: "POST",
            path: "/auth/logout",
            cases: |w, c| {
                let mut cases = w.signed_in(c, "/auth/logout", Body::None, Expect::Ok(204));
                // A second session of the same user: the caller's own token lives on.
                cases[0].token = w.spare_tokens.get(&c).cloned();
                cases
            },
        },
        Entry {
            method: "GET",
            path: "/me",
            cases: |w, c| w.signed_in(c, "/me", Body::None, Expect::Ok(200)),
        },
        Entry {
            method: "PUT",
            path: "/me/status",
            cases: |w, c| {
                w.signed_in(
                    c,
                    "/me/status",
                    json_body(json!({"status": "online"})),
                    Expect::Ok(200),
                )
            },
        },
        Entry {
            method: "GET",
            path: "/users",
            cases: |w, c| w.signed_in(c, "/users", Body::None, Expect::Ok(200)),
        },
        Entry {
            method: "POST",
            path: "/users",
            cases: |w, c| {
                let body = |role: &str| {
                    json_body(json!({"name": "New User",
                        "email": format!("new-{role}-{}@example.com", c.short()),
                        "password": "password-123", "role": role}))
                };
                // Only owners add owners.
                let owner_expect = if c == Caller::Manager {
                    Expect::Err(403)
                } else {
                    Expect::Ok(201)
                };
                vec![
                    w.admin(c, "a new agent", "/users", body("agent"), Expect::Ok(201)),
                    w.admin(c, "a new owner", "/users", body("owner"), owner_expect),
                ]
            },
        },
        Entry {
            method: "PATCH",
            path: "/users/{id}",
            cases: |w, c| {
                let mut cases = w.admin_entity(
                    c,
                    &w.carol.id,
                    |id| format!("/users/{id}"),
                    json_body(json!({"name": "Carol Agent"})),
                    Expect::Ok(200),
                );
                cases[0].target = "another agent".into();
                users_are_listed(&mut cases[1], c);
                // Managers do not manage owners.
                let on_owner = match c {
                    Caller::Owner => Expect::Ok(200),
                    _ if c.is_user() => Expect::Err(403),
                    _ => Expect::Err(401),
                };
                cases.push(Case::new(
                    "the owner",
                    format!("/users/{}", w.owner.id),
                    json_body(json!({"name": w.owner.name})),
                    on_owner,
                ));
                // Everyone may change their own name.
                if let Some(me) = w.member(c) {
                    cases.push(Case::new(
                        "themselves",
                        format!("/users/{}", me.id),
                        json_body(json!({"name": me.name})),
                        Expect::Ok(200),
                    ));
                    // No one promotes themselves (the owner is one already).
                    if c != Caller::Owner {
                        cases.push(Case::new(
                            "themselves, to owner",
                            format!("/users/{}", me.id),
                            json_body(json!({"role": "owner"})),
                            Expect::Err(403),
                        ));
                    }
                }
                cases
            },
        },
        Entry {
            method: "DELETE",
            path: "/users/{id}",
            cases: |w, c| {
                // Removing a removed user answers 200 again, so both admins may remove Dave.
                let mut cases = w.admin_entity(
                    c,
                    &w.dave.id,
                    |id| format!("/users/{id}"),
                    Body::None,
                    Expect::Ok(200),
                );
                cases[0].target = "another agent".into();
                users_are_listed(&mut cases[1], c);
                if let Some(me) = w.member(c) {
                    let expect = if c.is_admin() {
                        Expect::Err(422)
                    } else {
                        Expect::Err(403)
                    };
                    cases.push(Case::new(
                        "themselves",
                        format!("/users/{}", me.id),
                        Body::None,
                        expect,
                    ));
                }
                // Managers do not remove owners (the owner removing themselves is above).
                if c != Caller::Owner {
                    let expect = if c.is_user() {
                        Expect::Err(403)
                    } else {
                        Expect::Err(401)
                    };
                    cases.push(Case::new(
                        "the owner",
                        format!("/users/{}", w.owner.id),
                        Body::None,
                        expect,
                    ));
                }
                cases
            },
        },
        Entry {
            method: "GET",
            path: "/settings",
            cases: |w, c| w.signed_in(c, "/settings", Body::None, Expect::Ok(200)),
        },
        Entry {
            method: "PATCH",
            path: "/settings",
            cases: |w, c| {
                // The setting the world runs under, written again.
                vec![w.admin(
                    c,
                    "-",
                    "/settings",
                    json_body(json!({"agent_visibility": w.visibility.as_str()})),
                    Expect::Ok(200),
                )]
            },
        },
        Entry {
            method: "GET",
            path: "/closing-note-categories",
            cases: |w, c| w.signed_in(c, "/closing-note-categories", Body::None, Expect::Ok(200)),
        },
        Entry {
            method: "POST",
            path: "/closing-note-categories",
            cases: |w, c| {
                vec![w.admin(
                    c,
                    "-",
                    "/closing-note-categories",
                    json_body(json!({"name": format!("new-{}", c.short()), "description": "d"})),
                    Expect::Ok(201),
                )]
            },
        },
        Entry {
            method: "PATCH",
            path: "/closing-note-categories/{id}",
            cases: |w, c| {
                w.admin_entity(
                    c,
                    &w.category,
                    |id| format!("/closing-note-categories/{id}"),
                    json_body(json!({"name": "fx-category", "description": c.short()})),
                    Expect::Ok(200),
                )
            },
        },
        Entry {
            method: "DELETE",
            path: "/closing-note-categories/{id}",
            cases: |w, c| {
                w.admin_entity(
                    c,
                    w.deletable(c, Deletable::Category),
                    |id| format!("/closing-note-categories/{id}"),
                    Body::None,
                    Expect::Ok(204),
                )
            },
        },
        Entry {
            method: "GET",
            path: "/channels",
            cases: |w, c| {
                // Agents see the channels, never their credentials.
                let ok = if c.is_agent() {
                    Expect::OkWithout(200, vec![w.channel.token.clone(), w.channel.secret.clone()])
                } else {
                    Expect::Ok(200)
                };
                w.signed_in(c, "/channels", Body::None, ok)
            },
        },
        Entry {
            method: "POST",
            path: "/channels",
            cases: |w, c| {
                vec![w.admin(
                    c,
                    "-",
                    "/channels",
                    json_body(json!({"name": format!("new-{}", c.short()), "kind": "custom"})),
                    Expect::Ok(201),
                )]
            },
        },
        Entry {
            method: "PATCH",
            path: "/channels/{id}",
            cases: |w, c| {
                w.admin_entity(
                    c,
                    &w.channel.id,
                    |id| format!("/channels/{id}"),
                    json_body(json!({"name": "Fixture channel"})),
                    Expect::Ok(200),
                )
            },
        },
        Entry {
            method: "POST",
            path: "/custom-channel/webhook",
            // The channel's api_token only; user tokens are not channel tokens. The same with
            // the trailing slash respond.io writes (a route of its own, not in the document).
            cases: |w, c| {
                let body = |tag: &str| {
                    let external = format!("probe-{tag}{}", c.short());
                    json!({"channelId": w.channel.id, "contactId": external,
                        "events": [{"type": "message", "mId": external,
                                    "timestamp": 1_795_000_000_000i64,
                                    "message": {"type": "text", "text": "probe"}}]})
                };
                let expect = || {
                    if c == Caller::ChannelToken {
                        Expect::Ok(200)
                    } else {
                        Expect::Err(401)
                    }
                };
                vec![
                    Case::new(
                        "a new contact",
                        "/custom-channel/webhook",
                        json_body(body("")),
                        expect(),
                    ),
                    Case::new(
                        "a new contact, URL with a trailing slash",
                        "/custom-channel/webhook/",
                        json_body(body("slash-")),
                        expect(),
                    ),
                ]
            },
        },
        Entry {
            method: "GET",
            path: "/contacts",
            cases: |w, c| {
                w.signed_in(
                    c,
                    "/contacts?status=any&limit=500",
                    Body::None,
                    Expect::OkWithout(200, w.secrets_hidden_from(c)),
                )
            },
        },
        Entry {
            method: "GET",
            path: "/contacts/{id}",
            cases: |w, c| {
                w.each_contact(c, Expect::Ok(200), |t| {
                    (format!("/contacts/{}", t.contact), Body::None)
                })
            },
        },
        Entry {
            method: "PATCH",
            path: "/contacts/{id}",
            cases: |w, c| {
                w.each_contact(c, Expect::Ok(200), |t| {
                    (
                        format!("/contacts/{}", t.contact),
                        json_body(json!({"tags": ["matrix"]})),
                    )
                })
            },
        },
        Entry {
            method: "PUT",
            path: "/contacts/{id}/assignee",
            cases: |w, c| {
                // Where the caller may see the contact, the assignee it has (permitted, and it
                // changes nothing the other cases rely on); where not, the caller tries to take it.
                w.each_contact(c, Expect::Ok(200), |t| {
                    let user = match t.holder {
                        _ if !t.visible => json!(w.member(c).map(|m| m.id.clone())),
                        Some(Holder::Alice) => json!(w.alice.id),
                        Some(Holder::Bob) => json!(w.bob.id),
                        _ => Value::Null,
                    };
                    (
                        format!("/contacts/{}/assignee", t.contact),
                        json_body(json!({"user_id": user})),
                    )
                })
            },
        },
        Entry {
            method: "POST",
            path: "/contacts/{id}/merge",
            cases: |w, c| {
                let primary = &w.spare(c, Spare::MergePrimary).id;
                let secondary = &w.spare(c, Spare::MergeSecondary).id;
                vec![
                    w.admin(
                        c,
                        "two contacts made for the caller",
                        &format!("/contacts/{primary}/merge"),
                        json_body(json!({"secondary_id": secondary})),
                        Expect::Ok(200),
                    ),
                    w.admin(
                        c,
                        "a missing id",
                        &format!("/contacts/{MISSING}/merge"),
                        json_body(json!({"secondary_id": secondary})),
                        Expect::Err(404),
                    ),
                ]
            },
        },
        Entry {
            method: "GET",
            path: "/contacts/{id}/conversations",
            cases: |w, c| {
                w.each_contact(c, Expect::Ok(200), |t| {
                    (format!("/contacts/{}/conversations", t.contact), Body::None)
                })
            },
        },
        Entry {
            method: "POST",
            path: "/contacts/{id}/conversations",
            // Each fixture contact has an open conversation: 409 where the caller may see it.
            cases: |w, c| {
                w.each_contact(c, Expect::Err(409), |t| {
                    (format!("/contacts/{}/conversations", t.contact), Body::None)
                })
            },
        },
        Entry {
            method: "POST",
            path: "/conversations/{id}/close",
            cases: |w, c| {
                // Where permitted, a conversation made for this caller, held like the target.
                w.each_contact(c, Expect::Ok(200), |t| {
                    let conversation = match t.holder {
                        Some(h) if t.visible => w.spare(c, Spare::Close(h)).conversation_id.clone(),
                        _ => t.conversation.clone(),
                    };
                    (
                        format!("/conversations/{conversation}/close"),
                        json_body(json!({})),
                    )
                })
            },
        },
        Entry {
            method: "GET",
            path: "/contacts/{id}/messages",
            cases: |w, c| {
                w.each_contact(c, Expect::Ok(200), |t| {
                    (format!("/contacts/{}/messages", t.contact), Body::None)
                })
            },
        },
        Entry {
            method: "POST",
            path: "/contacts/{id}/messages",
            cases: |w, c| {
                // Text: a reply assigns an unassigned contact, so that one is made per caller.
                let mut cases = w.each_contact(c, Expect::Ok(201), |t| {
                    let contact = match t.holder {
                        Some(Holder::Nobody) if t.visible => {
                            w.spare(c, Spare::SendUnassigned).id.clone()
                        }
                        _ => t.contact.clone(),
                    };
                    (
                        format!("/contacts/{contact}/messages"),
                        json_body(json!({"client_id": client_id(), "text": "hello"})),
                    )
                });
                // Files, on a contact of the caller's own: DESIGN.md "Files".
                let home = w.home_contact(c);
                cases.extend(w.each_file(c, "file_ids: ", Expect::Ok(201), |file| {
                    (
                        format!("/contacts/{home}/messages"),
                        json_body(json!({"client_id": client_id(), "file_ids": [file]})),
                    )
                }));
                cases.extend(w.each_file(c, "voice.file_id: ", Expect::Ok(201), |file| {
                    (
                        format!("/contacts/{home}/messages"),
                        json_body(json!({"client_id": client_id(),
                            "voice": {"file_id": file, "duration_ms": 1000}})),
                    )
                }));
                cases
            },
        },
        Entry {
            method: "GET",
            path: "/contacts/{id}/comments",
            cases: |w, c| {
                w.each_contact(c, Expect::Ok(200), |t| {
                    (format!("/contacts/{}/comments", t.contact), Body::None)
                })
            },
        },
        Entry {
            method: "POST",
            path: "/contacts/{id}/comments",
            cases: |w, c| {
                w.each_contact(c, Expect::Ok(201), |t| {
                    (
                        format!("/contacts/{}/comments", t.contact),
                        json_body(json!({"text": "a note"})),
                    )
                })
            },
        },
        Entry {
            method: "POST",
            path: "/files",
            cases: |w, c| {
                w.signed_in(
                    c,
                    "/files?name=upload.txt",
                    Body::Raw(b"matrix upload".to_vec()),
                    Expect::Ok(201),
                )
            },
        },
        Entry {
            method: "GET",
            path: "/files/{id}",
            cases: |w, c| {
                w.each_file(c, "", Expect::Ok(200), |file| {
                    (format!("/files/{file}"), Body::None)
                })
            },
        },
        Entry {
            method: "GET",
            path: "/snippets",
            cases: |w, c| w.signed_in(c, "/snippets", Body::None, Expect::Ok(200)),
        },
        Entry {
            method: "POST",
            path: "/snippets",
            cases: |w, c| {
                let tag = format!("new-{}", c.short());
                vec![w.admin(
                    c,
                    "-",
                    "/snippets",
                    json_body(json!({"name": tag, "shortcut": tag, "text": "Hi"})),
                    Expect::Ok(201),
                )]
            },
        },
        Entry {
            method: "PATCH",
            path: "/snippets/{id}",
            cases: |w, c| {
                w.admin_entity(
                    c,
                    &w.snippet,
                    |id| format!("/snippets/{id}"),
                    json_body(json!({"text": "Hello {{contact.first_name}}"})),
                    Expect::Ok(200),
                )
            },
        },
        Entry {
            method: "DELETE",
            path: "/snippets/{id}",
            cases: |w, c| {
                w.admin_entity(
                    c,
                    w.deletable(c, Deletable::Snippet),
                    |id| format!("/snippets/{id}"),
                    Body::None,
                    Expect::Ok(204),
                )
            },
        },
        Entry {
            method: "POST",
            path: "/snippets/{id}/render",
            // The contact is in the body: the same rule as in a path.
            cases: |w, c| {
                w.each_contact(c, Expect::Ok(200), |t| {
                    (
                        format!("/snippets/{}/render", w.snippet),
                        json_body(json!({"contact_id": t.contact})),
                    )
                })
            },
        },
        Entry {
            method: "GET",
            path: "/sync",
            // What the events say is checked below, in the log section.
            cases: |w, c| w.signed_in(c, "/sync?since=0", Body::None, Expect::Ok(200)),
        },
        Entry {
            method: "GET",
            path: "/snapshot",
            cases: |w, c| {
                w.signed_in(
                    c,
                    "/snapshot",
                    Body::None,
                    Expect::OkWithout(200, w.secrets_hidden_from(c)),
                )
            },
        },
        Entry {
            method: "GET",
            path: "/stream",
            cases: |w, c| w.signed_in(c, "/stream?since=0", Body::Upgrade, Expect::Ok(101)),
        },
        Entry {
            method: "GET",
            path: "/workflows",
            cases: |w, c| vec![w.admin(c, "-", "/workflows", Body::None, Expect::Ok(200))],
        },
        Entry {
            method: "POST",
            path: "/workflows",
            cases: |w, c| {
                vec![w.admin(
                    c,
                    "-",
                    "/workflows",
                    json_body(workflow_body(&format!("new-{}", c.short()))),
                    Expect::Ok(201),
                )]
            },
        },
        Entry {
            method: "PUT",
            path: "/workflows/{id}",
            cases: |w, c| {
                w.admin_entity(
                    c,
                    &w.workflow,
                    |id| format!("/workflows/{id}"),
                    json_body(workflow_body("fx")),
                    Expect::Ok(200),
                )
            },
        },
        Entry {
            method: "DELETE",
            path: "/workflows/{id}",
            cases: |w, c| {
                w.admin_entity(
                    c,
                    w.deletable(c, Deletable::Workflow),
                    |id| format!("/workflows/{id}"),
                    Body::None,
                    Expect::Ok(204),
                )
            },
        },
        Entry {
            method: "GET",
            path: "/reports/conversations",
            // Agents read the dashboard too (the desktop agent's metrics).
            cases: |w, c| w.signed_in(c, "/reports/conversations", Body::None, Expect::Ok(200)),
        },
        Entry {
            method: "GET",
            path: "/integrations/webhooks",
            cases: |w, c| {
                vec![w.admin(
                    c,
                    "-",
                    "/integrations/webhooks",
                    Body::None,
                    Expect::Ok(200),
                )]
            },
        },
        Entry {
            method: "POST",
            path: "/integrations/webhooks",
            cases: |w, c| {
                vec![w.admin(
                    c,
                    "-",
                    "/integrations/webhooks",
                    json_body(integration_body()),
                    Expect::Ok(201),
                )]
            },
        },
        Entry {
            method: "DELETE",
            path: "/integrations/webhooks/{id}",
            cases: |w, c| {
                w.admin_entity(
                    c,
                    w.deletable(c, Deletable::Integration),
                    |id| format!("/integrations/webhooks/{id}"),
                    Body::None,
                    Expect::Ok(204),
                )
            },
        },
        // Custom contact fields: everyone reads them; owners and managers define them.
        Entry {
            method: "GET",
            path: "/custom-fields",
            cases: |w, c| w.signed_in(c, "/custom-fields", Body::None, Expect::Ok(200)),
        },
        Entry {
            method: "POST",
            path: "/custom-fields",
            cases: |w, c| {
                vec![w.admin(
                    c,
                    "-",
                    "/custom-fields",
                    json_body(json!({"name": format!("Field {}", c.short()), "data_type": "text"})),
                    Expect::Ok(201),
                )]
            },
        },
        // The Developer API's tokens: owners and managers only (the /v2 routes the tokens open
        // have their own matrix in developer_api_authorization.rs).
        Entry {
            method: "GET",
            path: "/api-tokens",
            cases: |w, c| vec![w.admin(c, "-", "/api-tokens", Body::None, Expect::Ok(200))],
        },
        Entry {
            method: "POST",
            path: "/api-tokens",
            cases: |w, c| {
                vec![w.admin(
                    c,
                    "-",
                    "/api-tokens",
                    json_body(json!({"name": format!("new-{}", c.short())})),
                    Expect::Ok(201),
                )]
            },
        },
        Entry {
            method: "DELETE",
            path: "/api-tokens/{id}",
            cases: |w, c| {
                w.admin_entity(
                    c,
                    w.deletable(c, Deletable::ApiToken),
                    |id| format!("/api-tokens/{id}"),
                    Body::None,
                    Expect::Ok(204),
                )
            },
        },
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_operation_answers_every_caller_as_the_rules_say_under_every_visibility() {
    check_every_visibility(&matrix()).await;
}

/// Issue 11 item 2, as reported: a message arrives for X while X is unassigned; X is assigned
/// to Bob; the visibility becomes `assigned_and_unassigned`. Alice, and an agent created after
/// the assignment, get 404 on X's messages, and neither `/sync?since=0` nor the stream's backlog
/// carries X's text or an upsert of X.
#[tokio::test]
async fn a_contact_now_bobs_stays_out_of_other_agents_logs_issue_11_repro() {
    let t = common::TestServer::start().await;
    let channel = t.channel("WhatsApp", false, None).await;
    let (_, alice) = t.user("Alice Agent", "agent").await;
    let (bob_id, _) = t.user("Bob Agent", "agent").await;
    let secret = "the text only Bob may read";
    let x = t.incoming(&channel, "x", "m-x", secret).await;
    t.put(
        &format!("/contacts/{x}/assignee"),
        &t.owner,
        json!({"user_id": bob_id}),
    )
    .await
    .ok(200);
    t.patch(
        "/settings",
        &t.owner,
        json!({"agent_visibility": "assigned_and_unassigned"}),
    )
    .await
    .ok(200);
    let (_, late) = t.user("Late Agent", "agent").await;

    let mut mismatches = Vec::new();
    for (name, token) in [("agent Alice", &alice), ("the late agent", &late)] {
        let messages = t.get(&format!("/contacts/{x}/messages"), token).await;
        if messages.status != 404 {
            mismatches.push(format!(
                "GET /contacts/{x}/messages as {name}: expected 404, got {}: {}",
                messages.status, messages.body
            ));
        }
        let mut ws = t.stream(token, 0).await;
        // The reader's own status change ends the backlog.
        t.put("/me/status", token, json!({"status": "busy"}))
            .await
            .ok(200);
        let me = t.get("/me", token).await.ok(200)["id"].clone();
        let backlog = matrix::log::read_until(&mut ws, |e| {
            e["type"] == "user.upserted" && e["data"]["id"] == me && e["data"]["status"] == "busy"
        })
        .await;
        let sync = matrix::log::sync_all(&t, token).await;
        for (source, events) in [
            ("GET /stream?since=0 (backlog)", backlog),
            ("GET /sync?since=0", sync),
        ] {
            let events = match events {
                Ok(events) => events,
                Err(why) => {
                    mismatches.push(format!("{source} as {name}: expected the log, got {why}"));
                    continue;
                }
            };
            for e in &events {
                let about_x = matrix::log::contact_of(e) == Some(x.as_str());
                let upsert = e["type"] != "contact.removed";
                if (about_x && upsert) || e.to_string().contains(secret) {
                    mismatches.push(format!(
                        "{source} as {name}: expected nothing about contact {x} but its removal, got {}: {}",
                        e["type"],
                        matrix::excerpt(&e.to_string())
                    ));
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
