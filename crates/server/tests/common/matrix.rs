//! The authorization matrix's world: one server per `agent_visibility` with a fixture of users,
//! contacts, conversations, comments and files; the callers the matrix tries; the cases an
//! operation expands to; and the runner that tries them all and collects every mismatch.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::fmt;

use futures::StreamExt;
use futures::future::join_all;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::{Channel, TestServer, client_id};

/// An id no entity has.
pub const MISSING: &str = "999999";

/// Who makes a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Caller {
    NoToken,
    MalformedToken,
    LoggedOutToken,
    ChannelToken,
    Alice,
    Bob,
    Manager,
    Owner,
}

impl Caller {
    pub const ALL: [Caller; 8] = [
        Caller::NoToken,
        Caller::MalformedToken,
        Caller::LoggedOutToken,
        Caller::ChannelToken,
        Caller::Alice,
        Caller::Bob,
        Caller::Manager,
        Caller::Owner,
    ];
    pub const USERS: [Caller; 4] = [Caller::Alice, Caller::Bob, Caller::Manager, Caller::Owner];

    pub fn is_user(self) -> bool {
        Self::USERS.contains(&self)
    }

    pub fn is_agent(self) -> bool {
        matches!(self, Caller::Alice | Caller::Bob)
    }

    pub fn is_admin(self) -> bool {
        matches!(self, Caller::Manager | Caller::Owner)
    }

    /// A column heading of the printed table.
    pub fn short(self) -> &'static str {
        match self {
            Caller::NoToken => "none",
            Caller::MalformedToken => "bad",
            Caller::LoggedOutToken => "out",
            Caller::ChannelToken => "chan",
            Caller::Alice => "alice",
            Caller::Bob => "bob",
            Caller::Manager => "mgr",
            Caller::Owner => "owner",
        }
    }
}

impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Caller::NoToken => "no token",
            Caller::MalformedToken => "a malformed token",
            Caller::LoggedOutToken => "a logged-out token",
            Caller::ChannelToken => "a channel's api_token",
            Caller::Alice => "agent Alice",
            Caller::Bob => "agent Bob",
            Caller::Manager => "a manager",
            Caller::Owner => "the owner",
        })
    }
}

/// The workspace's `agent_visibility`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Visibility {
    All,
    AssignedAndUnassigned,
    Assigned,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [
        Visibility::All,
        Visibility::AssignedAndUnassigned,
        Visibility::Assigned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::All => "all",
            Visibility::AssignedAndUnassigned => "assigned_and_unassigned",
            Visibility::Assigned => "assigned",
        }
    }

    /// Whether an agent sees a contact with this assignee (`mine`: assigned to the agent).
    pub fn agent_sees(self, assigned_to_me: bool, unassigned: bool) -> bool {
        match self {
            Visibility::All => true,
            Visibility::AssignedAndUnassigned => assigned_to_me || unassigned,
            Visibility::Assigned => assigned_to_me,
        }
    }
}

/// Whose a fixture contact is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Holder {
    Alice,
    Bob,
    Nobody,
}

impl Holder {
    pub const ALL: [Holder; 3] = [Holder::Alice, Holder::Bob, Holder::Nobody];

    pub fn key(self) -> &'static str {
        match self {
            Holder::Alice => "alice",
            Holder::Bob => "bob",
            Holder::Nobody => "nobody",
        }
    }

    /// Who uploaded the file sent on this contact (the owner, for the unassigned one).
    pub fn uploader(self) -> Caller {
        match self {
            Holder::Alice => Caller::Alice,
            Holder::Bob => Caller::Bob,
            Holder::Nobody => Caller::Owner,
        }
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Holder::Alice => "Alice's contact",
            Holder::Bob => "Bob's contact",
            Holder::Nobody => "the unassigned contact",
        })
    }
}

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

/// Which file a case names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileOf {
    /// The file sent on this fixture contact.
    Contact(Holder),
    /// Bob's upload that was never sent.
    BobUnsent,
    Missing,
}

impl fmt::Display for FileOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileOf::Contact(h) => write!(f, "the file on {h}"),
            FileOf::BobUnsent => f.write_str("Bob's unsent upload"),
            FileOf::Missing => f.write_str("a missing file"),
        }
    }
}

/// A request body.
#[derive(Clone, Debug)]
pub enum Body {
    None,
    Json(Value),
    Raw(Vec<u8>),
    /// A WebSocket upgrade instead of a plain request.
    Upgrade,
}

/// The answer a case expects.
#[derive(Clone, Debug)]
pub enum Expect {
    /// This status.
    Ok(u16),
    /// This status, and none of these strings anywhere in the body.
    OkWithout(u16, Vec<String>),
    /// This status with a DESIGN.md error body.
    Err(u16),
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Ok(s) => write!(f, "{s}"),
            Expect::OkWithout(s, _) => write!(f, "{s} without what the caller may not see"),
            Expect::Err(s) => write!(f, "{s} in the error shape"),
        }
    }
}

/// One request of the matrix.
#[derive(Clone, Debug)]
pub struct Case {
    /// What the ids in the request name, for the report.
    pub target: String,
    /// The path with ids and query filled in.
    pub path: String,
    pub body: Body,
    pub expect: Expect,
    /// A token used instead of the caller's own (a spare session of the same user).
    pub token: Option<String>,
    /// Runs after every other case (it changes what later cases would see).
    pub late: bool,
}

impl Case {
    pub fn new(
        target: impl Into<String>,
        path: impl Into<String>,
        body: Body,
        expect: Expect,
    ) -> Self {
        Self {
            target: target.into(),
            path: path.into(),
            body,
            expect,
            token: None,
            late: false,
        }
    }
}

/// A fixture contact (or a missing id) as a case target, and whether the caller may see it.
pub struct ContactTarget {
    pub label: String,
    pub holder: Option<Holder>,
    pub contact: String,
    pub conversation: String,
    pub visible: bool,
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
        let (alice, bob, manager, carol, dave) = tokio::join!(
            member("Alice Agent", "agent"),
            member("Bob Agent", "agent"),
            member("Mona Manager", "manager"),
            member("Carol Agent", "agent"),
            member("Dave Agent", "agent"),
        );
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

    /// Whether a signed-in caller may see a fixture contact now.
    pub fn sees(&self, c: Caller, h: Holder) -> bool {
        match c {
            Caller::Manager | Caller::Owner => true,
            Caller::Alice => self
                .visibility
                .agent_sees(h == Holder::Alice, h == Holder::Nobody),
            Caller::Bob => self
                .visibility
                .agent_sees(h == Holder::Bob, h == Holder::Nobody),
            _ => false,
        }
    }

    /// DESIGN.md "Files": the uploader, or anyone who may see a contact it was sent on.
    pub fn may_use_file(&self, c: Caller, f: FileOf) -> bool {
        match f {
            FileOf::Contact(h) => h.uploader() == c || self.sees(c, h),
            FileOf::BobUnsent => c == Caller::Bob,
            FileOf::Missing => false,
        }
    }

    pub fn file_id(&self, f: FileOf) -> String {
        match f {
            FileOf::Contact(h) => self.fixture[&h].file_id.clone(),
            FileOf::BobUnsent => self.bob_unsent.clone(),
            FileOf::Missing => MISSING.into(),
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

    /// What a caller may not see, as text that must not appear in their answers.
    pub fn secrets_hidden_from(&self, c: Caller) -> Vec<String> {
        Holder::ALL
            .into_iter()
            .filter(|h| !self.sees(c, *h))
            .flat_map(|h| self.fixture[&h].secrets().map(str::to_owned))
            .collect()
    }

    /// One case for routes every signed-in user may call.
    pub fn signed_in(&self, c: Caller, path: &str, body: Body, ok: Expect) -> Vec<Case> {
        let expect = if c.is_user() { ok } else { Expect::Err(401) };
        vec![Case::new("-", path, body, expect)]
    }

    /// One case for routes only owners and managers may call (agents: 403).
    pub fn admin(&self, c: Caller, target: &str, path: &str, body: Body, ok: Expect) -> Case {
        let expect = match c {
            _ if !c.is_user() => Expect::Err(401),
            _ if c.is_agent() => Expect::Err(403),
            _ => ok,
        };
        Case::new(target, path, body, expect)
    }

    /// An admin route on its target and on a missing id (admins: 404, agents: 403).
    pub fn admin_entity(
        &self,
        c: Caller,
        id: &str,
        path: impl Fn(&str) -> String,
        body: Body,
        ok: Expect,
    ) -> Vec<Case> {
        vec![
            self.admin(c, "its target", &path(id), body.clone(), ok),
            self.admin(c, "a missing id", &path(MISSING), body, Expect::Err(404)),
        ]
    }

    /// The fixture contacts and a missing id as targets: `ok` where the caller may see the
    /// contact, 404 in the error shape where not (never a hint that it exists), 401 signed out.
    pub fn each_contact(
        &self,
        c: Caller,
        ok: Expect,
        request: impl Fn(&ContactTarget) -> (String, Body),
    ) -> Vec<Case> {
        let mut targets: Vec<ContactTarget> = Holder::ALL
            .into_iter()
            .map(|h| ContactTarget {
                label: h.to_string(),
                holder: Some(h),
                contact: self.fixture[&h].id.clone(),
                conversation: self.fixture[&h].conversation_id.clone(),
                visible: self.sees(c, h),
            })
            .collect();
        targets.push(ContactTarget {
            label: "a missing id".into(),
            holder: None,
            contact: MISSING.into(),
            conversation: MISSING.into(),
            visible: false,
        });
        targets
            .iter()
            .map(|target| {
                let (path, body) = request(target);
                let expect = match () {
                    _ if !c.is_user() => Expect::Err(401),
                    _ if target.visible => ok.clone(),
                    _ => Expect::Err(404),
                };
                Case::new(target.label.clone(), path, body, expect)
            })
            .collect()
    }

    /// Each file as a target: `ok` where DESIGN.md "Files" lets the caller use it, else 404.
    pub fn each_file(
        &self,
        c: Caller,
        label: &str,
        ok: Expect,
        request: impl Fn(&str) -> (String, Body),
    ) -> Vec<Case> {
        let files = [
            FileOf::Contact(Holder::Alice),
            FileOf::Contact(Holder::Bob),
            FileOf::Contact(Holder::Nobody),
            FileOf::BobUnsent,
            FileOf::Missing,
        ];
        files
            .into_iter()
            .map(|f| {
                let (path, body) = request(&self.file_id(f));
                let expect = match () {
                    _ if !c.is_user() => Expect::Err(401),
                    _ if self.may_use_file(c, f) => ok.clone(),
                    _ => Expect::Err(404),
                };
                let mut case = Case::new(format!("{label}{f}"), path, body, expect);
                // Once Bob sends his upload it is on a contact others may see.
                case.late = f == FileOf::BobUnsent && c == Caller::Bob;
                case
            })
            .collect()
    }

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
    ) -> Result<(u16, String, Option<std::time::Duration>), String> {
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
            .map(|secs| std::time::Duration::from_millis((secs * 1000).clamp(50, 1000)));
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
                let _ =
                    tokio::time::timeout(std::time::Duration::from_millis(200), ws.next()).await;
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

/// Whether an answer is what the case expects; `Err` says what came instead.
pub fn judge(expect: &Expect, status: u16, body: &str) -> Result<(), String> {
    match expect {
        Expect::Ok(s) if status == *s => Ok(()),
        Expect::OkWithout(s, hidden) if status == *s => {
            match hidden.iter().find(|h| body.contains(h.as_str())) {
                None => Ok(()),
                Some(h) => Err(format!("{status} carrying {h:?}")),
            }
        }
        Expect::Err(s) if status == *s => {
            error_shape(body).map_err(|why| format!("{status} {why}"))
        }
        _ => Err(status.to_string()),
    }
}

/// Checks `{"error": {"code", "message"}}` with non-empty strings.
pub fn error_shape(body: &str) -> Result<(), String> {
    let v: Value =
        serde_json::from_str(body).map_err(|_| "with a body that is not JSON".to_owned())?;
    let code = v["error"]["code"].as_str().unwrap_or_default();
    let message = v["error"]["message"].as_str().unwrap_or_default();
    if code.is_empty() || message.is_empty() {
        return Err("not in the error shape".into());
    }
    Ok(())
}

/// A body cut to a readable length for a report line.
pub fn excerpt(body: &str) -> String {
    let one_line = body.replace('\n', " ");
    if one_line.chars().count() > 300 {
        format!("{}…", one_line.chars().take(300).collect::<String>())
    } else {
        one_line
    }
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
