//! One server per `agent_visibility` and its fixture: users, a channel, contacts that arrived
//! through the webhook (one assigned to Alice, one to Bob, one unassigned) each with a message,
//! a conversation, a comment and a file, Bob's unsent upload, and spare contacts and things to
//! delete, so that a permitted change never disturbs what other cases rely on.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use futures::future::join_all;
use serde_json::{Value, json};

use super::{Caller, Holder, MISSING, Visibility};
use crate::common::{Channel, TestServer, client_id};

/// Contacts made for one caller and one use, so that a permitted change does not disturb
/// the shared fixture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Spare {
    /// An open conversation to close, on a contact held like this.
    Close(Holder),
    /// An unassigned contact to send to (sending assigns it to the sender).
    SendUnassigned,
    MergePrimary,
    MergeSecondary,
    /// A contact assigned to this manager or owner, where they attach files.
    Home,
}

/// Things made for one caller to delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Deletable {
    Category,
    Snippet,
    Workflow,
    Integration,
    ApiToken,
}

#[derive(Clone, Debug)]
pub struct Member {
    pub id: String,
    pub token: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct FixtureContact {
    pub id: String,
    pub conversation_id: String,
    /// Uploaded by the holder (the owner for the unassigned one) and sent on this contact.
    pub file_id: String,
    pub name: String,
    pub incoming_text: String,
    pub reply_text: String,
    pub comment_text: String,
}

impl FixtureContact {
    /// Text that must not reach a reader who may not see this contact.
    pub fn secrets(&self) -> [&str; 4] {
        [
            &self.name,
            &self.incoming_text,
            &self.reply_text,
            &self.comment_text,
        ]
    }
}

#[derive(Clone, Debug)]
pub struct SpareContact {
    pub id: String,
    pub conversation_id: String,
}

/// The server for one visibility setting and everything in it.
pub struct World {
    pub t: TestServer,
    /// No connection reuse: a refused request must not disturb the next one's connection.
    pub http: reqwest::Client,
    pub visibility: Visibility,
    pub channel: Channel,
    pub owner: Member,
    pub alice: Member,
    pub bob: Member,
    pub manager: Member,
    /// An agent the matrix renames.
    pub carol: Member,
    /// An agent the matrix removes.
    pub dave: Member,
    /// An agent created after every assignment of the fixture.
    pub erin: Member,
    pub logged_out: String,
    pub fixture: HashMap<Holder, FixtureContact>,
    pub bob_unsent: String,
    pub spares: HashMap<(Caller, Spare), SpareContact>,
    /// A second session per user, for the logout case.
    pub spare_tokens: HashMap<Caller, String>,
    pub deletables: HashMap<(Caller, Deletable), String>,
    pub category: String,
    pub snippet: String,
    pub workflow: String,
}

/// Bytes that sniff as nothing, so the name's `.mp3` makes them audio (voice notes need audio).
fn audio_bytes(tag: &str) -> Vec<u8> {
    format!("matrix audio of {tag}: {}", client_id()).into_bytes()
}

impl World {
    pub async fn start(visibility: Visibility) -> Self {
        let t = TestServer::start().await;
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        let me = t.get("/me", &t.owner).await.ok(200);
        let owner = Member {
            id: me["id"].as_str().unwrap().to_owned(),
            token: t.owner.clone(),
            name: me["name"].as_str().unwrap().to_owned(),
        };
        // Everything below is written while agents see everything; the real setting comes
        // last, so the log holds events written under other settings (two changes, so that a
        // reader replaying the log meets an old setting before the current one).
        for v in ["assigned", "all"] {
            t.patch("/settings", &t.owner, json!({"agent_visibility": v}))
                .await
                .ok(200);
        }
        let member = |name: &'static str, role: &'static str| {
            let t = &t;
            async move {
                let (id, token) = t.user(name, role).await;
                Member {
                    id,
                    token,
                    name: name.to_owned(),
                }
            }
        };
        // One at a time: password hashing may be capped (503 when saturated).
        let alice = member("Alice Agent", "agent").await;
        let bob = member("Bob Agent", "agent").await;
        let manager = member("Mona Manager", "manager").await;
        let carol = member("Carol Agent", "agent").await;
        let dave = member("Dave Agent", "agent").await;
        let channel = t.channel("Fixture channel", true, None).await;

        // Contacts arrive through the webhook, unassigned.
        let mut arrivals: Vec<(String, String, String)> = Vec::new(); // (external, name, text)
        for h in Holder::ALL {
            arrivals.push((
                format!("fx-{}", h.key()),
                format!("Contact-of-{}", h.key()),
                format!("secret-incoming-text-of-{}", h.key()),
            ));
        }
        let mut spare_keys = Vec::new();
        for c in Caller::USERS {
            let mut kinds = vec![
                Spare::Close(Holder::Alice),
                Spare::Close(Holder::Bob),
                Spare::Close(Holder::Nobody),
                Spare::SendUnassigned,
                Spare::MergePrimary,
                Spare::MergeSecondary,
            ];
            if c.is_admin() {
                kinds.push(Spare::Home);
            }
            for k in kinds {
                let external = format!("spare-{}-{}", c.short(), spare_keys.len());
                arrivals.push((
                    external.clone(),
                    format!("Spare {external}"),
                    "spare".into(),
                ));
                spare_keys.push((c, k, external));
            }
        }
        join_all(arrivals.iter().map(|(external, name, text)| {
            t.webhook(
                &channel,
                json!({"channelId": channel.id, "contactId": external,
                       "contact": {"firstName": name},
                       "events": [{"type": "message", "mId": format!("m-{external}"),
                                   "timestamp": 1_795_000_000_000i64,
                                   "message": {"type": "text", "text": text}}]}),
            )
        }))
        .await
        .into_iter()
        .for_each(|a| {
            a.ok(200);
        });
        let page = t
            .get("/contacts?status=any&limit=500", &t.owner)
            .await
            .ok(200);
        let by_external: HashMap<String, (String, String)> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["channels"][0]["external_id"].as_str().unwrap().to_owned(),
                    (
                        c["id"].as_str().unwrap().to_owned(),
                        c["open_conversation_id"].as_str().unwrap().to_owned(),
                    ),
                )
            })
            .collect();

        // Assignments, by the owner.
        let holder_id = |h: Holder| match h {
            Holder::Alice => Some(alice.id.clone()),
            Holder::Bob => Some(bob.id.clone()),
            Holder::Nobody => None,
        };
        let member_of = |c: Caller| match c {
            Caller::Alice => &alice,
            Caller::Bob => &bob,
            Caller::Manager => &manager,
            _ => &owner,
        };
        let mut assignments: Vec<(String, String)> = Vec::new();
        for h in [Holder::Alice, Holder::Bob] {
            let (id, _) = &by_external[&format!("fx-{}", h.key())];
            assignments.push((id.clone(), holder_id(h).unwrap()));
        }
        let mut spares = HashMap::new();
        for (c, k, external) in &spare_keys {
            let (id, conversation_id) = by_external[external].clone();
            let assignee = match k {
                Spare::Close(h) => holder_id(*h),
                Spare::SendUnassigned => None,
                // An agent's own pair (refused anyway); an admin's pair is Bob's.
                Spare::MergePrimary | Spare::MergeSecondary if c.is_agent() => {
                    Some(member_of(*c).id.clone())
                }
                Spare::MergePrimary | Spare::MergeSecondary => Some(bob.id.clone()),
                Spare::Home => Some(member_of(*c).id.clone()),
            };
            if let Some(a) = assignee {
                assignments.push((id.clone(), a));
            }
            spares.insert(
                (*c, *k),
                SpareContact {
                    id,
                    conversation_id,
                },
            );
        }
        join_all(assignments.iter().map(|(contact, user)| {
            let t = &t;
            async move {
                t.put(
                    &format!("/contacts/{contact}/assignee"),
                    &t.owner,
                    json!({"user_id": user}),
                )
                .await
            }
        }))
        .await
        .into_iter()
        .for_each(|a| {
            a.ok(200);
        });

        // Each fixture contact: a reply carrying a file its holder uploaded, and a comment.
        let mut fixture = HashMap::new();
        for h in Holder::ALL {
            let sender = member_of(h.uploader());
            let (id, conversation_id) = by_external[&format!("fx-{}", h.key())].clone();
            let file_id = upload(&t, &sender.token, &format!("{}-note.mp3", h.key())).await;
            let reply_text = format!("secret-reply-text-of-{}", h.key());
            t.post(
                &format!("/contacts/{id}/messages"),
                &sender.token,
                json!({"client_id": client_id(), "text": reply_text, "file_ids": [file_id]}),
            )
            .await
            .ok(201);
            let comment_text = format!("secret-comment-text-of-{}", h.key());
            t.post(
                &format!("/contacts/{id}/comments"),
                &sender.token,
                json!({"text": comment_text}),
            )
            .await
            .ok(201);
            if h == Holder::Nobody {
                // The owner's reply assigned it to the owner.
                t.put(
                    &format!("/contacts/{id}/assignee"),
                    &t.owner,
                    json!({"user_id": null}),
                )
                .await
                .ok(200);
            }
            fixture.insert(
                h,
                FixtureContact {
                    id,
                    conversation_id,
                    file_id,
                    name: format!("Contact-of-{}", h.key()),
                    incoming_text: format!("secret-incoming-text-of-{}", h.key()),
                    reply_text,
                    comment_text,
                },
            );
        }
        let bob_unsent = upload(&t, &bob.token, "bob-unsent.mp3").await;

        // Workspace things to change, and one of each per caller to delete.
        let category = t
            .post(
                "/closing-note-categories",
                &t.owner,
                json!({"name": "fx-category", "description": "fixture"}),
            )
            .await
            .ok(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let snippet = create_snippet(&t, "fx").await;
        let workflow = create_workflow(&t, "fx").await;
        let mut deletables = HashMap::new();
        for c in Caller::USERS {
            let tag = format!("del-{}", c.short());
            let cat = t
                .post(
                    "/closing-note-categories",
                    &t.owner,
                    json!({"name": tag, "description": "to delete"}),
                )
                .await
                .ok(201);
            deletables.insert((c, Deletable::Category), id_of(&cat));
            deletables.insert((c, Deletable::Snippet), create_snippet(&t, &tag).await);
            deletables.insert((c, Deletable::Workflow), create_workflow(&t, &tag).await);
            let hook = t
                .post("/integrations/webhooks", &t.owner, integration_body())
                .await
                .ok(201);
            deletables.insert((c, Deletable::Integration), id_of(&hook));
            let token = t
                .post("/api-tokens", &t.owner, json!({"name": tag}))
                .await
                .ok(201);
            deletables.insert(
                (c, Deletable::ApiToken),
                token["api_token"]["id"].as_str().unwrap().to_owned(),
            );
        }

        let mut spare_tokens = HashMap::new();
        for c in Caller::USERS {
            let email = match c {
                Caller::Alice => "alice.agent@example.com",
                Caller::Bob => "bob.agent@example.com",
                Caller::Manager => "mona.manager@example.com",
                _ => "owner@example.com",
            };
            let password = if c == Caller::Owner {
                "owner-password"
            } else {
                "password-123"
            };
            spare_tokens.insert(c, t.login(email, password).await);
        }
        let logged_out = t.login("alice.agent@example.com", "password-123").await;
        let res = t
            .call(reqwest::Method::POST, "/auth/logout", &logged_out, None)
            .await;
        assert_eq!(res.status, 204, "logout: {}", res.body);

        let (erin_id, erin_token) = t.user("Erin Late", "agent").await;
        let erin = Member {
            id: erin_id,
            token: erin_token,
            name: "Erin Late".into(),
        };
        t.patch(
            "/settings",
            &t.owner,
            json!({"agent_visibility": visibility.as_str()}),
        )
        .await
        .ok(200);

        World {
            http,
            visibility,
            channel,
            owner,
            alice,
            bob,
            manager,
            carol,
            dave,
            erin,
            logged_out,
            fixture,
            bob_unsent,
            spares,
            spare_tokens,
            deletables,
            category,
            snippet,
            workflow,
            t,
        }
    }

    pub fn member(&self, c: Caller) -> Option<&Member> {
        match c {
            Caller::Alice => Some(&self.alice),
            Caller::Bob => Some(&self.bob),
            Caller::Manager => Some(&self.manager),
            Caller::Owner => Some(&self.owner),
            _ => None,
        }
    }

    /// The `Authorization` token a caller sends, if any.
    pub fn token(&self, c: Caller) -> Option<String> {
        match c {
            Caller::NoToken => None,
            Caller::MalformedToken => Some("not.a-token!%".into()),
            Caller::LoggedOutToken => Some(self.logged_out.clone()),
            Caller::ChannelToken => Some(self.channel.token.clone()),
            _ => self.member(c).map(|m| m.token.clone()),
        }
    }

    pub fn file_id(&self, f: super::FileOf) -> String {
        match f {
            super::FileOf::Contact(h) => self.fixture[&h].file_id.clone(),
            super::FileOf::BobUnsent => self.bob_unsent.clone(),
            super::FileOf::Missing => missing_like(&self.bob_unsent),
        }
    }

    pub fn spare(&self, c: Caller, s: Spare) -> &SpareContact {
        let owner = if c.is_user() { c } else { Caller::Owner };
        &self.spares[&(owner, s)]
    }

    pub fn deletable(&self, c: Caller, d: Deletable) -> &str {
        let owner = if c.is_user() { c } else { Caller::Owner };
        &self.deletables[&(owner, d)]
    }

    /// Where a caller sends messages carrying files: a contact only they (and admins) see.
    pub fn home_contact(&self, c: Caller) -> String {
        match c {
            Caller::Bob => self.fixture[&Holder::Bob].id.clone(),
            Caller::Manager | Caller::Owner => self.spare(c, Spare::Home).id.clone(),
            _ => self.fixture[&Holder::Alice].id.clone(),
        }
    }
}

/// An id no file has, shaped like a real one: numeric ids are sequential, so a large number;
/// unguessable ones with the last character changed (a well-formed id, so the answer is 404).
fn missing_like(real: &str) -> String {
    if real.chars().all(|c| c.is_ascii_digit()) {
        return MISSING.into();
    }
    let mut id: Vec<char> = real.chars().collect();
    if let Some(last) = id.last_mut() {
        *last = if *last == 'a' { 'b' } else { 'a' };
    }
    id.into_iter().collect()
}

pub fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn upload(t: &TestServer, token: &str, name: &str) -> String {
    let res = t
        .http
        .post(t.url(&format!("/files?name={name}")))
        .bearer_auth(token)
        .body(audio_bytes(name))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "upload of {name}");
    let v: Value = res.json().await.unwrap();
    assert!(
        v["mime"].as_str().unwrap().starts_with("audio/"),
        "the fixture's files are audio: {v}"
    );
    id_of(&v)
}

async fn create_snippet(t: &TestServer, tag: &str) -> String {
    let v = t
        .post(
            "/snippets",
            &t.owner,
            json!({"name": tag, "shortcut": tag, "text": "Hello {{contact.first_name}}"}),
        )
        .await
        .ok(201);
    id_of(&v)
}

/// A workflow that never runs (disabled), so the matrix's writes set nothing off.
pub fn workflow_body(name: &str) -> Value {
    json!({"name": name, "enabled": false, "trigger": "message_received",
           "steps": [{"type": "add_comment", "text": "never"}]})
}

async fn create_workflow(t: &TestServer, tag: &str) -> String {
    id_of(
        &t.post("/workflows", &t.owner, workflow_body(tag))
            .await
            .ok(201),
    )
}

/// An integration webhook on a loopback port the outbound guard refuses: nothing leaves.
pub fn integration_body() -> Value {
    json!({"url": "http://127.0.0.1:9/matrix", "events": ["conversation.closed"]})
}
