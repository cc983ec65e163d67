//! The event log as one reader gets it: `/sync?since=0` page by page, the stream's backlog and
//! its live events, checked against what that reader may see *now* (DESIGN.md "Sync
//! invariants": visibility is applied when the log is read).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::{Member, World, excerpt};
use crate::common::TestServer;

pub type Ws = crate::common::Stream;

/// How long a stream may take to deliver what was just written.
const DELIVERY: Duration = Duration::from_secs(10);

/// The log's last seq, as the owner's `/sync` reports it.
pub async fn head_seq(t: &TestServer) -> i64 {
    let page = t.get("/sync?since=0&limit=1", &t.owner).await.ok(200);
    page["head_seq"].as_i64().unwrap()
}

/// Frames (as event JSON) until one satisfies `last`; `Err` when it does not come.
pub async fn read_until(ws: &mut Ws, last: impl Fn(&Value) -> bool) -> Result<Vec<Value>, String> {
    let mut got = Vec::new();
    loop {
        let frame = tokio::time::timeout(DELIVERY, ws.next())
            .await
            .map_err(|_| format!("only {} events came, then nothing for 10 s", got.len()))?;
        match frame {
            Some(Ok(WsMessage::Text(text))) => {
                let event: Value = serde_json::from_str(&text).unwrap();
                let done = last(&event);
                got.push(event);
                if done {
                    return Ok(got);
                }
            }
            Some(Ok(WsMessage::Close(frame))) => {
                return Err(format!(
                    "the stream closed after {} events: {frame:?}",
                    got.len()
                ));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(format!("the stream failed: {e}")),
            None => return Err(format!("the stream ended after {} events", got.len())),
        }
    }
}

/// Every event `/sync` gives from 0, following `next_seq` while `has_more`.
pub async fn sync_all(t: &TestServer, token: &str) -> Result<Vec<Value>, String> {
    let mut since = 0;
    let mut events = Vec::new();
    for _ in 0..1000 {
        let page = t
            .get(&format!("/sync?since={since}&limit=100"), token)
            .await;
        if page.status != 200 {
            return Err(format!(
                "{}: {}",
                page.status,
                excerpt(&page.body.to_string())
            ));
        }
        events.extend(page.body["events"].as_array().unwrap().iter().cloned());
        since = page.body["next_seq"].as_i64().unwrap();
        if page.body["has_more"] != true {
            return Ok(events);
        }
    }
    Err("more than 1000 pages".into())
}

/// The contacts this agent may not see now (id → name), from the owner's list and the
/// workspace's setting. Contacts that no longer exist (merged away) are not judged.
pub async fn hidden_from(w: &World, reader: &Member) -> HashMap<String, String> {
    let page =
        w.t.get("/contacts?status=any&limit=500", &w.owner.token)
            .await
            .ok(200);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            let assignee = c["assignee_id"].as_str();
            !w.visibility
                .agent_sees(assignee == Some(reader.id.as_str()), assignee.is_none())
        })
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The contact an event is about, for the event types visibility filters.
pub fn contact_of(event: &Value) -> Option<&str> {
    match event["type"].as_str()? {
        "contact.upserted" => event["data"]["id"].as_str(),
        "message.upserted" | "comment.upserted" | "conversation.upserted" => {
            event["data"]["contact_id"].as_str()
        }
        _ => None,
    }
}

/// What a client keeps of a stream: an event about a contact is dropped when a later
/// `contact.removed` of that contact follows in the same stream (the client forgets the contact
/// and everything of it). A stream's backlog is read with the state of the moment it was sent,
/// so a contact that was visible then and is hidden now arrives, and is then removed.
pub fn as_applied(events: Vec<Value>) -> Vec<Value> {
    let mut last_removal: HashMap<String, usize> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        if e["type"] == "contact.removed"
            && let Some(id) = e["data"]["id"].as_str()
        {
            last_removal.insert(id.to_owned(), i);
        }
    }
    events
        .into_iter()
        .enumerate()
        .filter(|(i, e)| {
            e["type"] == "contact.removed"
                || contact_of(e)
                    .and_then(|c| last_removal.get(c))
                    .is_none_or(|removed| removed < i)
        })
        .map(|(_, e)| e)
        .collect()
}

/// What a reader got that they may not see: one line per (event type, contact), and one per
/// secret text found.
pub fn leaks(
    source: &str,
    reader: &str,
    w: &World,
    events: &[Value],
    hidden: &HashMap<String, String>,
    secrets: &[String],
) -> Vec<String> {
    // Grouped by event type: the contacts concerned and the first such event.
    let mut by_kind: BTreeMap<String, (usize, BTreeSet<String>, &Value)> = BTreeMap::new();
    for event in events {
        if let Some(contact) = contact_of(event)
            && hidden.contains_key(contact)
        {
            let kind = event["type"].as_str().unwrap().to_owned();
            let entry = by_kind.entry(kind).or_insert((0, BTreeSet::new(), event));
            entry.0 += 1;
            entry.1.insert(format!("{contact} ({})", hidden[contact]));
        }
    }
    let vis = w.visibility.as_str();
    let mut out: Vec<String> = by_kind
        .into_iter()
        .map(|(kind, (n, contacts, first))| {
            let names: Vec<String> = contacts.into_iter().collect();
            format!(
                "{source} as {reader} ({vis}): expected no {kind} of a contact hidden from the reader now, got {n} about contacts {}; the first (seq {}): {}",
                names.join(", "),
                first["seq"],
                excerpt(&first.to_string())
            )
        })
        .collect();
    for secret in secrets {
        if let Some(event) = events
            .iter()
            .find(|e| e.to_string().contains(secret.as_str()))
        {
            out.push(format!(
                "{source} as {reader} ({vis}): expected no event carrying {secret:?}, got seq {}: {}",
                event["seq"],
                excerpt(&event.to_string())
            ));
        }
    }
    out
}

/// DESIGN.md: after `POST /auth/logout` the token is dead, its open stream included. Some
/// mismatch line when the stream outlives the logout by more than 2 s.
pub async fn logged_out_stream_closes(w: &World) -> Option<String> {
    let token = w.t.login("alice.agent@example.com", "password-123").await;
    let mut ws = w.t.stream(&token, head_seq(&w.t).await).await;
    let res =
        w.t.call(reqwest::Method::POST, "/auth/logout", &token, None)
            .await;
    assert_eq!(res.status, 204, "logout: {}", res.body);
    let closed = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(WsMessage::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    closed.err().map(|_| {
        format!(
            "GET /stream as agent Alice after POST /auth/logout of its token ({}): expected the stream to close at once, got it still open 2 s later",
            w.visibility.as_str()
        )
    })
}
