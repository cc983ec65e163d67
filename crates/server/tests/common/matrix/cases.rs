//! What a case is (a request and the answer it expects) and how the table's rows expand into
//! cases: for every signed-in user, for owners and managers only, per contact by visibility,
//! per file by DESIGN.md "Files".
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::fmt;

use serde_json::Value;

use super::{Caller, Holder, MISSING, World};

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

impl World {
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
