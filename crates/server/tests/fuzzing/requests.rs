//! Requests for every operation of the OpenAPI document (and the Custom Channel webhook as a
//! provider would call it): paths with good, unknown and malformed ids, odd query strings,
//! schema-shaped bodies with mutations, wrong content types, truncated and oversize bodies,
//! as owner, manager, agent, no token, bad token or a channel token.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::rng::Rng;
use super::values::{self, DATES, KnownIds, Schemas};

/// One operation of the document.
#[derive(Clone, Debug)]
pub struct Operation {
    pub method: String,
    pub template: String,
    /// Query parameters and their schemas (utoipa lists some as `in: path`; a parameter that
    /// is not in the template is a query parameter).
    pub query: Vec<(String, Value)>,
    /// The request body's content type and schema.
    pub body: Option<(String, Value)>,
}

impl Operation {
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
}

pub fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = doc["paths"].as_object() else {
        return out;
    };
    for (template, ops) in paths {
        let Some(ops) = ops.as_object() else { continue };
        for (method, op) in ops {
            let query = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter_map(|p| {
                            let name = p["name"].as_str()?;
                            let in_path = template.contains(&format!("{{{name}}}"));
                            (!in_path).then(|| (name.to_owned(), p["schema"].clone()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let body = op["requestBody"]["content"]
                .as_object()
                .and_then(|c| c.iter().next())
                .map(|(ct, c)| (ct.clone(), c["schema"].clone()));
            out.push(Operation {
                method: method.to_uppercase(),
                template: template.clone(),
                query,
                body,
            });
        }
    }
    out
}

/// Who sends a request.
pub struct Callers {
    pub owner: String,
    pub manager: String,
    pub agents: Vec<String>,
    /// Sessions that may be signed out (by fuzzed `POST /auth/logout`).
    pub disposable: Vec<String>,
    pub channel_tokens: Vec<String>,
}

/// A request, ready to write to a socket and to print for reproduction.
pub struct FuzzRequest {
    pub operation: String,
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl FuzzRequest {
    /// The bytes to send and where the head ends.
    pub fn to_bytes(&self, host: &str) -> (Vec<u8>, usize) {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {host}\r\n",
            self.method, self.target
        );
        for (n, v) in &self.headers {
            let _ = write!(head, "{n}: {v}\r\n");
        }
        if !self.body.is_empty() || matches!(self.method.as_str(), "POST" | "PUT" | "PATCH") {
            let _ = write!(head, "Content-Length: {}\r\n", self.body.len());
        }
        head.push_str("\r\n");
        let head_len = head.len();
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        (bytes, head_len)
    }

    /// The request as text (the body cut short when long), for a failure report.
    pub fn describe(&self) -> String {
        let mut s = format!("{} {}\n", self.method, self.target);
        for (n, v) in &self.headers {
            let _ = writeln!(s, "{n}: {v}");
        }
        let shown = String::from_utf8_lossy(&self.body[..self.body.len().min(2000)]).into_owned();
        let _ = write!(s, "({} bytes of body)\n{shown}", self.body.len());
        if self.body.len() > 2000 {
            s.push('…');
        }
        s
    }
}

/// Percent-encodes everything but unreserved characters.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The id kind a path segment names (`/contacts/{id}` → `ContactId`).
fn path_kind(template: &str) -> &'static str {
    let t = template;
    if t.starts_with("/contacts") {
        "ContactId"
    } else if t.starts_with("/conversations") {
        "ConversationId"
    } else if t.starts_with("/channels") {
        "ChannelId"
    } else if t.starts_with("/closing-note-categories") {
        "CategoryId"
    } else if t.starts_with("/snippets") {
        "SnippetId"
    } else if t.starts_with("/workflows") {
        "WorkflowId"
    } else if t.starts_with("/users") {
        "UserId"
    } else if t.starts_with("/files") {
        "FileId"
    } else if t.starts_with("/integrations") {
        "WebhookId"
    } else {
        "Id"
    }
}

pub struct Builder<'a> {
    pub schemas: Schemas<'a>,
    pub callers: &'a Callers,
    pub ids: &'a KnownIds,
    /// Users the fuzzer must not remove, demote or sign out (it would only lose coverage).
    pub fixture_users: &'a [String],
    pub max_json: usize,
}

impl Builder<'_> {
    pub fn build(&self, op: &Operation, n: u64, rng: &mut Rng) -> FuzzRequest {
        let method = if rng.chance(2) {
            (*rng.pick(&["OPTIONS", "TRACE", "PROPFIND", "PUT", "DELETE", "PATCH"])).to_owned()
        } else {
            op.method.clone()
        };
        let target = format!("/api/v1{}{}", self.path(op, rng), self.query(op, rng));
        let mut headers = Vec::new();
        if let Some(auth) = self.auth(op, n, rng) {
            headers.push(("Authorization".to_owned(), auth));
        }
        let (content_type, body) = self.body(op, rng);
        if let Some(ct) = content_type {
            headers.push(("Content-Type".to_owned(), ct));
        }
        FuzzRequest {
            operation: op.name(),
            method,
            target,
            headers,
            body,
        }
    }

    fn path(&self, op: &Operation, rng: &mut Rng) -> String {
        let kind = path_kind(&op.template);
        let protected_user = kind == "UserId" && op.method != "GET";
        let id = if protected_user {
            // Users the fuzz created (or none such): never the fixture users.
            let id = self.ids.id(kind, rng);
            if self.fixture_users.contains(&id) {
                (10 + rng.below(30)).to_string()
            } else {
                id
            }
        } else {
            self.ids.id(kind, rng)
        };
        let mut path = op.template.replace("{id}", &encode(&id));
        if rng.chance(2) {
            let tails: [&str; 5] = ["/", "//", "/extra", "%2F..", ";x"];
            path.push_str(tails[rng.below(tails.len())]);
        }
        path
    }

    fn query(&self, op: &Operation, rng: &mut Rng) -> String {
        let mut pairs: Vec<String> = Vec::new();
        for (name, schema) in &op.query {
            if !rng.chance(60) {
                continue;
            }
            let value = match name.as_str() {
                "from" | "to" => (*rng.pick(DATES)).to_owned(),
                "since" => (*rng.pick(&[
                    "0",
                    "1",
                    "5",
                    "-1",
                    "99999999",
                    "9223372036854775807",
                    "abc",
                    "",
                ]))
                .to_owned(),
                "limit" => match rng.below(10) {
                    0..=6 => (1 + rng.below(100)).to_string(),
                    7 => "0".to_owned(),
                    8 => "1000000".to_owned(),
                    _ => values::odd_id(rng),
                },
                "before" | "user_id" | "cursor" => match rng.below(3) {
                    0 => values::odd_id(rng),
                    1 => format!("{}:{}", rng.below(1 << 40), rng.below(40)),
                    _ => (1 + rng.below(40)).to_string(),
                },
                _ => match self.schemas.generate(schema, rng, 0) {
                    Value::String(s) => s,
                    Value::Null => String::new(),
                    other => other.to_string(),
                },
            };
            pairs.push(format!("{}={}", encode(name), encode(&value)));
        }
        if rng.chance(8) {
            let odd = [
                "unknown=1",
                "limit=1&limit=2",
                "limit",
                "limit=",
                "limit[]=1",
                "=",
                "&&&",
                "q=%ZZ",
                "q=%C0%AF",
                "since=1e3",
                "limit=18446744073709551616",
                "limit=-0",
                "view=mine%00",
            ];
            pairs.push((*rng.pick(&odd)).to_owned());
        }
        if rng.chance(1) {
            pairs.push(format!("q={}", "a".repeat(5000)));
        }
        if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", pairs.join("&"))
        }
    }

    fn auth(&self, op: &Operation, n: u64, rng: &mut Rng) -> Option<String> {
        let c = self.callers;
        let bearer = |t: &str| Some(format!("Bearer {t}"));
        if op.template == "/custom-channel/webhook" {
            return match rng.below(20) {
                0..=13 => bearer(&c.channel_tokens[0]),
                14 => bearer(&c.channel_tokens[1]),
                15 => bearer(&c.owner),
                16 => None,
                17 => bearer("not-a-channel-token"),
                18 => Some(c.channel_tokens[0].clone()),
                _ => Some(format!("Bearer  {} ", c.channel_tokens[0])),
            };
        }
        // Signing out the fixture sessions would turn the rest of the campaign into 401s.
        if op.template == "/auth/logout" {
            return match rng.below(4) {
                0 => None,
                1 => bearer("0123456789abcdef"),
                _ => bearer(&c.disposable[(n as usize) % c.disposable.len()]),
            };
        }
        match rng.below(20) {
            0..=8 => bearer(&c.owner),
            9 | 10 => bearer(&c.manager),
            11..=13 => bearer(&c.agents[rng.below(c.agents.len())]),
            14 => None,
            15 => bearer("0123456789abcdef"),
            16 => Some(format!("Basic {}", c.owner)),
            17 => bearer(&"A".repeat(4000)),
            18 => bearer(&c.channel_tokens[0]),
            _ => Some("Bearer".to_owned()),
        }
    }

    fn body(&self, op: &Operation, rng: &mut Rng) -> (Option<String>, Vec<u8>) {
        let Some((content_type, schema)) = &op.body else {
            // Bodies where none is expected, now and then.
            return if rng.chance(4) {
                (
                    Some("application/json".into()),
                    br#"{"unexpected": true}"#.to_vec(),
                )
            } else {
                (None, Vec::new())
            };
        };
        if content_type != "application/json" {
            // Raw uploads: a few bytes, some of them a known file type.
            let mut bytes: Vec<u8> = match rng.below(4) {
                0 => b"\x89PNG\r\n\x1a\n".to_vec(),
                1 => b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
                _ => Vec::new(),
            };
            bytes.extend((0..rng.below(3000)).map(|_| rng.next() as u8));
            let choices = [content_type.as_str(), "image/png", "text/html", ""];
            let ct = choices[rng.below(choices.len())];
            return ((!ct.is_empty()).then(|| ct.to_owned()), bytes);
        }
        let mut value = self.schemas.generate(schema, rng, 0);
        if op.template == "/custom-channel/webhook" {
            self.shape_webhook(&mut value, rng);
        }
        if rng.chance(35) {
            for _ in 0..1 + rng.below(3) {
                values::mutate(&mut value, rng);
            }
        }
        let json = serde_json::to_vec(&value).unwrap_or_default();
        let json_ct = Some("application/json".to_owned());
        match rng.below(100) {
            0..=71 => (json_ct, json),
            72..=76 => {
                let cut = rng.below(json.len().max(1));
                (json_ct, json[..cut].to_vec())
            }
            77..=79 => (
                json_ct,
                (0..rng.below(200)).map(|_| rng.next() as u8).collect(),
            ),
            80..=84 => {
                let ct = *rng.pick(&[
                    "text/plain",
                    "application/x-www-form-urlencoded",
                    "multipart/form-data; boundary=x",
                    "application/json; charset=latin1",
                    "application/json-patch+json",
                    "application/problem+json",
                    "APPLICATION/JSON",
                    "",
                ]);
                ((!ct.is_empty()).then(|| ct.to_owned()), json)
            }
            85..=87 => (json_ct, Vec::new()),
            88..=89 => {
                let depth = 100 + rng.below(20_000);
                let mut deep = "[".repeat(depth);
                deep.push_str(&"]".repeat(depth));
                (json_ct, deep.into_bytes())
            }
            90 => {
                // Over the JSON limit, by a little.
                let mut big = b"[".to_vec();
                while big.len() < self.max_json + 1 + rng.below(64 * 1024) {
                    big.extend_from_slice(b"1234567,");
                }
                big.extend_from_slice(b"1]");
                (json_ct, big)
            }
            91 | 92 => {
                let mut v = b"\xEF\xBB\xBF".to_vec();
                v.extend_from_slice(&json);
                (json_ct, v)
            }
            93 | 94 => {
                let mut v = json;
                v.extend_from_slice(b" trailing");
                (json_ct, v)
            }
            95 => (json_ct, br#"{"a":1,"a":2}"#.to_vec()),
            96 => (json_ct, b"null".to_vec()),
            97 => (json_ct, b"\"\\ud800\"".to_vec()),
            _ => (json_ct, b"{\"text\": \"\xff\xfe\"}".to_vec()),
        }
    }

    /// Bodies close to what a respond.io bridge sends: the right channel id mostly, a few
    /// contact ids, message, welcome and receipt events.
    fn shape_webhook(&self, v: &mut Value, rng: &mut Rng) {
        let Value::Object(map) = v else { return };
        let channel = self.ids.id("ChannelId", rng);
        map.insert(
            "channelId".into(),
            if rng.chance(85) {
                json!(channel)
            } else {
                json!(values::string(rng))
            },
        );
        map.insert(
            "contactId".into(),
            json!(format!("fuzz-contact-{}", rng.below(12))),
        );
        if rng.chance(60) {
            let events: Vec<Value> = (0..1 + rng.below(3))
                .map(|_| match rng.below(6) {
                    0..=2 => json!({"type": "message", "mId": format!("m{}", rng.below(5000)),
                                    "timestamp": 1_795_000_000_000_i64 + rng.below(1 << 30) as i64,
                                    "message": {"type": "text", "text": values::string(rng)}}),
                    3 => json!({"type": "message", "mId": format!("m{}", rng.below(5000)),
                                "timestamp": 1_795_000_000_000_i64,
                                "message": {"type": "attachment", "attachment": {
                                    "type": *rng.pick(&["image", "video", "audio", "file", "sticker"]),
                                    "url": *rng.pick(values::URLS),
                                    "fileName": values::string(rng)}}}),
                    4 => json!({"type": "welcome", "timestamp": 1_795_000_000_000_i64}),
                    _ => json!({"type": "message_status", "mId": format!("m{}", rng.below(50)),
                                "status": *rng.pick(&["delivered", "read", "failed", "lost"]),
                                "error": "provider said no"}),
                })
                .collect();
            map.insert("events".into(), Value::Array(events));
        }
        if rng.chance(50) {
            map.insert(
                "contact".into(),
                json!({"firstName": values::string(rng), "lastName": "Fuzz",
                       "email": "f@example.com", "phone": "+1 555", "locale": "xx"}),
            );
        }
    }
}
