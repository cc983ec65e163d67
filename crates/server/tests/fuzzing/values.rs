//! Values from the OpenAPI schemas: valid-ish ones (known ids, sane strings) and the odd ones
//! a careless or hostile client sends (wrong types, huge and negative numbers, unicode, deep
//! nesting, malformed ids and dates). URLs point only at loopback or at addresses the server's
//! URL guard never reaches, so no fuzzed request makes the server send traffic elsewhere.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::rng::Rng;

/// Ids of entities that exist, by schema name (`ContactId` → ["1", "2"]).
#[derive(Default)]
pub struct KnownIds(pub HashMap<String, Vec<String>>);

impl KnownIds {
    pub fn add(&mut self, kind: &str, id: impl Into<String>) {
        self.0.entry(kind.to_owned()).or_default().push(id.into());
    }

    /// A known id of the kind, a likely one (a small number), or a malformed one.
    pub fn id(&self, kind: &str, rng: &mut Rng) -> String {
        match rng.below(10) {
            0..=5 => match self.0.get(kind) {
                Some(list) if !list.is_empty() => rng.pick(list).clone(),
                _ => (1 + rng.below(30)).to_string(),
            },
            6 | 7 => (1 + rng.below(40)).to_string(),
            _ => odd_id(rng),
        }
    }
}

pub const ODD_IDS: &[&str] = &[
    "0",
    "-1",
    "007",
    "abc",
    "1.5",
    "1e3",
    "0x10",
    " 1",
    "1 ",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999999999",
    "-9223372036854775808",
    "null",
    "undefined",
    "../1",
    "1/2",
    "%",
    "😀",
    "١٢",
    "",
];

pub fn odd_id(rng: &mut Rng) -> String {
    if rng.chance(10) {
        return "7".repeat(200 + rng.below(200));
    }
    (*rng.pick(ODD_IDS)).to_owned()
}

/// Loopback (closed ports) and addresses the URL guard never reaches: safe to fuzz with.
pub const URLS: &[&str] = &[
    "http://127.0.0.1:9",
    "http://127.0.0.1:9/hook",
    "http://[::1]:9/x",
    "http://224.0.0.1/x",
    "http://198.18.0.1:8080/x",
    "http://[ff02::1]/x",
    "http://[64:ff9b::a00:5]/x",
    "http://0.0.0.0:9/x",
    "http://255.255.255.255/x",
    "ftp://127.0.0.1/x",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "http://",
    "not a url",
];

const STRINGS: &[&str] = &[
    "",
    " ",
    "a",
    "Hello",
    "Ada Lovelace",
    "ada@example.com",
    "+44 20 7946 0000",
    "héllo wörld",
    "👋🏽 émoji ❤️‍🔥",
    "\u{202e}evil\u{202c}",
    "e\u{301}\u{301}\u{301}",
    "\u{0}nul",
    "line\nbreak\r\n",
    "{{contact.first_name}} {{user.name}} {{nope}}",
    "{{",
    "<script>alert(1)</script>",
    "'; DROP TABLE contacts; --",
    "%s%n%x",
    "../../etc/passwd",
    "C:\\Windows\\system32",
    "true",
    "123",
    "-1",
    "1e309",
    "NaN",
    "null",
    "2026-11-27",
    "RB_MARKDONE",
    "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
];

const DATE_TIMES: &[&str] = &[
    "2026-11-27T17:00:00Z",
    "2026-11-27T17:00:00.123+01:00",
    "2030-01-01T00:00:00Z",
    "2099-12-31T23:59:59Z",
    "9999-12-31T23:59:59.999Z",
    "0000-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
    "2026-02-30T00:00:00Z",
    "2026-11-27",
    "yesterday",
    "+010000-01-01T00:00:00Z",
    "2026-11-27T25:61:61Z",
];

pub const DATES: &[&str] = &[
    "2026-11-27",
    "2026-11-01",
    "2000-01-01",
    "9999-12-31",
    "1999-12-31",
    "0000-01-01",
    "-009999-01-01",
    "+010000-01-01",
    "2026-02-30",
    "2026-13-01",
    "27/11/2026",
    "2026-W48-5",
    "2026-331",
    "",
];

fn integer(rng: &mut Rng) -> Value {
    match rng.below(14) {
        0 => json!(0),
        1 => json!(1),
        2 => json!(-1),
        3 => json!(i64::MAX),
        4 => json!(i64::MIN),
        5 => json!(u64::MAX),
        6 => json!(1e20),
        7 => json!(3.5),
        8 => json!(9_007_199_254_740_993_i64),
        9 => json!(i32::MAX),
        10 => json!(-(rng.below(100_000) as i64)),
        _ => json!(rng.below(1_000_000)),
    }
}

pub fn string(rng: &mut Rng) -> String {
    match rng.below(20) {
        0 => "x".repeat(1000 + rng.below(20_000)),
        1 => (*rng.pick(URLS)).to_owned(),
        2..=9 => format!("word{}", rng.below(1000)),
        _ => (*rng.pick(STRINGS)).to_owned(),
    }
}

/// A client id: usually a fresh UUID-shaped one, sometimes one of a few (repeats are the
/// idempotent path), sometimes not a UUID.
fn client_id(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=5 => format!(
            "{:08x}-{:04x}-7{:03x}-8{:03x}-{:012x}",
            rng.next() as u32,
            rng.next() as u16,
            rng.next() & 0xfff,
            rng.next() & 0xfff,
            rng.next() & 0xffff_ffff_ffff
        ),
        6..=8 => format!("0190f3a0-0000-7000-8000-00000000000{}", rng.below(4)),
        _ => string(rng),
    }
}

pub struct Schemas<'a> {
    pub doc: &'a Value,
    pub ids: &'a KnownIds,
}

impl Schemas<'_> {
    fn target<'r>(&self, reference: &'r str) -> Option<(&'r str, &Value)> {
        let name = reference.rsplit('/').next()?;
        Some((
            name,
            self.doc.pointer(&format!("/components/schemas/{name}"))?,
        ))
    }

    /// A value that follows the schema, with the odd choice now and then.
    pub fn generate(&self, schema: &Value, rng: &mut Rng, depth: usize) -> Value {
        if depth > 8 {
            return Value::Null;
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let Some((name, target)) = self.target(r) else {
                return Value::Null;
            };
            if name == "ClientId" {
                return json!(client_id(rng));
            }
            if name.ends_with("Id") && target.get("type") == Some(&json!("string")) {
                return json!(self.ids.id(name, rng));
            }
            return self.generate(target, rng, depth + 1);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let non_null: Vec<&Value> = options
                    .iter()
                    .filter(|o| o.get("type") != Some(&json!("null")))
                    .collect();
                if non_null.is_empty() || rng.chance(8) {
                    return Value::Null;
                }
                return self.generate(non_null[rng.below(non_null.len())], rng, depth + 1);
            }
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array)
            && let Some(first) = all.first()
        {
            return self.generate(first, rng, depth + 1);
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array)
            && !options.is_empty()
        {
            if rng.chance(3) {
                return json!("not-a-choice");
            }
            return options[rng.below(options.len())].clone();
        }
        let ty = match schema.get("type") {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(types)) => {
                let non_null: Vec<&str> = types
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|t| *t != "null")
                    .collect();
                if non_null.is_empty() || rng.chance(10) {
                    "null".to_owned()
                } else {
                    non_null[rng.below(non_null.len())].to_owned()
                }
            }
            _ if schema.get("properties").is_some() => "object".to_owned(),
            _ => return Value::Null,
        };
        match ty.as_str() {
            "object" => self.object(schema, rng, depth),
            "array" => {
                let n = rng.below(4);
                let items = schema.get("items").cloned().unwrap_or(Value::Null);
                Value::Array(
                    (0..n)
                        .map(|_| self.generate(&items, rng, depth + 1))
                        .collect(),
                )
            }
            "string" => {
                if schema.get("format") == Some(&json!("date-time")) {
                    json!(*rng.pick(DATE_TIMES))
                } else {
                    json!(string(rng))
                }
            }
            "integer" => {
                let min = schema.get("minimum").and_then(Value::as_i64).unwrap_or(0);
                match rng.below(10) {
                    0..=5 => json!(min + rng.below(50) as i64),
                    6 | 7 => json!(min + rng.below(300_000) as i64),
                    _ => integer(rng),
                }
            }
            "number" => json!(rng.below(1000) as f64 / 7.0),
            "boolean" => json!(rng.chance(50)),
            _ => Value::Null,
        }
    }

    fn object(&self, schema: &Value, rng: &mut Rng, depth: usize) -> Value {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Map::new();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                let keep = if required.contains(&name.as_str()) {
                    !rng.chance(3)
                } else {
                    rng.chance(25)
                };
                if !keep {
                    continue;
                }
                let value = match named_string(name, rng) {
                    Some(text) if is_string_schema(prop) && rng.chance(80) => json!(text),
                    _ => self.generate(prop, rng, depth + 1),
                };
                out.insert(name.clone(), value);
            }
        }
        Value::Object(out)
    }
}

fn is_string_schema(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// A plausible value for a string field, by its name.
fn named_string(name: &str, rng: &mut Rng) -> Option<String> {
    let n = rng.below(100_000);
    Some(match name {
        "email" => format!("fuzz{n}@example.com"),
        "password" | "current_password" => "password-123456".to_owned(),
        "name" | "firstName" | "lastName" => format!("Fuzz {n}"),
        "shortcut" => format!("s{n}"),
        "text" | "summary" | "description" => {
            (*rng.pick(&["Hello", "Thanks!", "On it {{user.name}}", "👍"])).to_owned()
        }
        "url" | "outbound_url" | "bot_url" => (*rng.pick(URLS)).to_owned(),
        "phone" => "+1 555 0100".to_owned(),
        _ => return None,
    })
}

/// A value a schema never asked for.
pub fn weird(rng: &mut Rng) -> Value {
    match rng.below(16) {
        0 => json!(u64::MAX),
        1 => serde_json::from_str("18446744073709551616").unwrap_or(Value::Null),
        2 => json!(-9.3e18),
        3 => json!(1e308),
        4 => json!(-1),
        5 => json!(""),
        6 => json!("\u{FEFF}\u{200B}"),
        7 => json!(true),
        8 => json!({}),
        9 => json!([]),
        10 => json!([1, "two", null, {"three": 3}]),
        11 => Value::Null,
        12 => nested(rng.below(120) + 5),
        13 => json!("x".repeat(50_000)),
        14 => json!({"__proto__": {"admin": true}}),
        _ => json!(string(rng)),
    }
}

fn nested(depth: usize) -> Value {
    let mut v = json!(1);
    for i in 0..depth {
        v = if i % 2 == 0 {
            json!([v])
        } else {
            json!({ "a": v })
        };
    }
    v
}

/// Replaces, removes or adds one node somewhere in the value.
pub fn mutate(v: &mut Value, rng: &mut Rng) {
    match v {
        Value::Object(map) if !map.is_empty() && rng.chance(75) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = rng.pick(&keys).clone();
            match rng.below(4) {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    map.insert(format!("unexpected_{}", rng.below(3)), weird(rng));
                }
                _ => {
                    if let Some(child) = map.get_mut(&key) {
                        mutate(child, rng);
                    }
                }
            }
        }
        Value::Array(items) if !items.is_empty() && rng.chance(75) => {
            let i = rng.below(items.len());
            mutate(&mut items[i], rng);
        }
        _ => *v = weird(rng),
    }
}
