//! The `messenger-agent` command line, inbox views and unread counts, ordering of queued
//! writes, and the file cache's size cap.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{Server, agent, follow_as_ada, offline, until};
use messenger_agent::cache::InboxQuery;
use messenger_agent::view::{InboxSortOrder, TimelineEntry};
use messenger_agent::{Agent, AgentConfig};
use messenger_protocol::{ContactId, ContactView, StatusFilter};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_messenger-agent");

fn cli(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("MESSENGER_AGENT_DATA_DIR", dir)
        // These tests are about the cache, not where the token lives (see keychain.rs).
        .env("MESSENGER_AGENT_KEYCHAIN", "off")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_signs_in_syncs_lists_searches_and_sends() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut server = Server::start(sdir.path()).await;
    let contact = server.incoming("+1", "m1", "Where is my refund?").await;
    let dir = adir.path().to_path_buf();
    let base = server.base();
    let run = move |args: Vec<String>| {
        let dir = dir.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                cli(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>())
            })
            .await
            .unwrap()
        }
    };
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();

    let (ok, out, err) = run(s(&[
        "login",
        "--server",
        &base,
        "--email",
        "ada@example.com",
        "--password",
        "ada-password",
    ]))
    .await;
    assert!(ok, "{err}");
    assert!(out.contains("signed in to"), "{out}");
    let (ok, out, _) = run(s(&["sync"])).await;
    assert!(ok);
    assert!(
        out.contains("bootstrapped") && out.contains("cached 1 contacts"),
        "{out}"
    );
    let (_, out, _) = run(s(&["contacts", "--view", "unassigned"])).await;
    assert!(
        out.starts_with(&format!("{contact}\t+1\t-\tWhere is my refund?")),
        "{out}"
    );
    let (_, out, _) = run(s(&["contacts", "--view", "mine"])).await;
    assert_eq!(out, "");
    let (ok, out, _) = run(s(&["send", &contact, "Refund issued today"])).await;
    assert!(ok);
    assert_eq!(out.trim(), "sent");
    // Search the cache (the reply is in it once synced).
    run(s(&["sync"])).await;
    let (_, out, _) = run(s(&["search", "refu"])).await;
    assert!(
        out.lines()
            .any(|l| l.starts_with(&format!("{contact}\t+1\t[Refund] issued today"))),
        "{out}"
    );
    let (_, out, _) = run(s(&["contacts", "--view", "mine"])).await;
    assert!(
        out.starts_with(&contact),
        "replying assigned the contact: {out}"
    );

    // Offline: the send is queued, listed, and flushed later.
    server.stop().await;
    let (ok, out, _) = run(s(&["send", &contact, "Anything else?"])).await;
    assert!(ok);
    assert_eq!(out.trim(), "pending");
    let (_, out, _) = run(s(&["outbox"])).await;
    assert!(
        out.contains("send_message") && out.contains("queued"),
        "{out}"
    );
    let (_, out, _) = run(s(&["whoami"])).await;
    assert!(out.contains("(offline"), "{out}");
    let (ok, _, err) = run(s(&["search", "refund"])).await;
    assert!(ok, "search works offline: {err}");
    server.restart().await;
    let (_, out, _) = run(s(&["flush"])).await;
    assert!(
        out.starts_with("delivered 1, failed 0, still queued 0"),
        "{out}"
    );
    assert_eq!(
        server.texts(&contact, "outgoing").await,
        vec!["Refund issued today", "Anything else?"]
    );
    let (ok, out, _) = run(s(&["logout"])).await;
    assert!(ok && out.contains("signed out"));
    let (ok, _, err) = run(s(&["contacts"])).await;
    assert!(!ok && err.contains("Not signed in"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_views_counts_unread_and_focus() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = Server::start(sdir.path()).await;
    let a = agent(adir.path());
    follow_as_ada(&a, &server.base()).await;
    let one = ContactId(server.incoming("+1", "m1", "first").await);
    let two = ContactId(server.incoming("+2", "m2", "second").await);
    until("both contacts", 10, || {
        a.inbox_counts(StatusFilter::Open).unwrap().all == 2
    })
    .await;
    until("unread counted", 10, || {
        a.inbox_counts(StatusFilter::Open)
            .unwrap()
            .unassigned_unread
    })
    .await;
    a.focus(Some(one.clone())).unwrap();
    server.incoming("+1", "m3", "while you look").await;
    server.incoming("+2", "m4", "another").await;
    until("two unread on the second", 10, || {
        a.contact_details(&two).unwrap().unwrap().unread == 2
    })
    .await;
    assert_eq!(
        a.contact_details(&one).unwrap().unwrap().unread,
        0,
        "the focused contact stays read"
    );
    let q = |view, sort| InboxQuery {
        view,
        status: StatusFilter::Open,
        sort,
        text: None,
        offset: 0,
        limit: 10,
    };
    let newest = a
        .inbox(&q(ContactView::All, InboxSortOrder::Newest))
        .unwrap();
    assert_eq!(newest.rows[0].contact.id, two, "most recent activity first");
    let waiting = a
        .inbox(&q(ContactView::All, InboxSortOrder::WaitingLongest))
        .unwrap();
    assert_eq!(waiting.rows[0].contact.id, one, "waiting longest first");
    let me = a.account().unwrap().session.user.id.clone();
    a.assign(&two, Some(me.clone())).unwrap();
    // At once: the row shows the assignment on its way, beside the server's state.
    let row = a
        .inbox(&q(ContactView::All, InboxSortOrder::Newest))
        .unwrap()
        .rows
        .into_iter()
        .find(|r| r.contact.id == two)
        .unwrap();
    assert_eq!(
        row.contact.assignee_id, None,
        "the server's state is kept apart"
    );
    assert_eq!(
        row.changes.assignee.and_then(|p| p.user_id),
        Some(me.clone())
    );
    until("the assignment to settle", 10, || {
        a.outbox().unwrap().is_empty()
    })
    .await;
    // The server's answer replaces it: Mine holds the contact.
    until("the contact in Mine", 10, || {
        a.inbox(&q(ContactView::Mine, InboxSortOrder::Newest))
            .is_ok_and(|p| p.total == 1)
    })
    .await;
    let counts = a.inbox_counts(StatusFilter::Open).unwrap();
    assert_eq!((counts.all, counts.mine, counts.unassigned), (2, 1, 1));
    let found = a
        .inbox(&InboxQuery {
            text: Some("+2".into()),
            ..q(ContactView::All, InboxSortOrder::Newest)
        })
        .unwrap();
    assert_eq!(found.total, 1);
    a.focus(Some(two.clone())).unwrap();
    assert_eq!(a.unread_total().unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_writes_go_out_in_order_per_contact() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut server = Server::start(sdir.path()).await;
    let contact = ContactId(server.incoming("+1", "m1", "hi").await);
    let a = agent(adir.path());
    follow_as_ada(&a, &server.base()).await;
    server.stop().await;
    offline(&a).await;
    for i in 1..=8 {
        a.send_message(&contact, Some(format!("part {i}")), Vec::new(), None)
            .unwrap();
    }
    server.restart().await;
    until("the outbox to empty", 20, || a.outbox().unwrap().is_empty()).await;
    let want: Vec<String> = (1..=8).map(|i| format!("part {i}")).collect();
    assert_eq!(server.texts(contact.as_str(), "outgoing").await, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_cache_evicts_least_recently_used_bodies_beyond_its_cap() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = Server::start(sdir.path()).await;
    let contact = ContactId(server.incoming("+1", "m1", "hi").await);
    let mut config = AgentConfig::new(adir.path().to_path_buf()).without_keychain();
    config.file_cache_bytes = 250_000;
    let a = Agent::open(config).unwrap();
    follow_as_ada(&a, &server.base()).await;
    let mut ids = Vec::new();
    for i in 0..3u8 {
        let staged = a
            .stage_bytes(&format!("f{i}.bin"), &vec![i; 100_000])
            .unwrap();
        a.send_message(&contact, None, vec![staged], None).unwrap();
    }
    until("uploads", 15, || a.outbox().unwrap().is_empty()).await;
    let page = server
        .get(&format!("/contacts/{contact}/messages"), &server.owner)
        .await;
    for m in page["items"].as_array().unwrap().iter().rev() {
        if let Some(f) = m["attachments"][0]["file_id"].as_str() {
            ids.push(messenger_protocol::FileId(f.into()));
        }
    }
    let p0 = a.open_file(&ids[0]).await.unwrap();
    let p1 = a.open_file(&ids[1]).await.unwrap();
    a.open_file(&ids[0]).await.unwrap(); // f0 used again: f1 is now the least recent
    let p2 = a.open_file(&ids[2]).await.unwrap();
    assert!(p0.exists() && p2.exists());
    assert!(!p1.exists(), "the least recently used body was evicted");
    // The message (and the file's metadata) stay; the body comes back when opened again.
    assert!(a.open_file(&ids[1]).await.unwrap().exists());
    let _ = json!({});
}

/// What a reader of the timeline sees after a day of writes: every write settled (no local
/// echo left) and the server's activity entries in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeline_settles_every_write_and_shows_the_activity() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = Server::start(sdir.path()).await;
    let a = agent(adir.path());
    follow_as_ada(&a, &server.base()).await;
    let contact = ContactId(server.incoming("+7", "m1", "where is my parcel").await);
    until("the contact arrives", 10, || {
        a.contact_details(&contact).unwrap().is_some()
    })
    .await;
    let bo = server
        .get("/users", &server.owner)
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "bo@example.com")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    a.add_comment(&contact, "checking with the courier".into(), vec![])
        .unwrap();
    a.assign(&contact, Some(messenger_protocol::UserId(bo)))
        .unwrap();
    until("the writes settle", 10, || a.outbox().unwrap().is_empty()).await;
    let conversation = a
        .contact_details(&contact)
        .unwrap()
        .unwrap()
        .contact
        .open_conversation_id
        .unwrap();
    a.close_conversation(&contact, &conversation, None, Some("done".into()))
        .unwrap();
    until("the close settles", 10, || a.outbox().unwrap().is_empty()).await;

    let page = a.timeline(&contact, None, 50).unwrap();
    let pending: Vec<_> = page
        .entries
        .iter()
        .filter(|e| match e {
            TimelineEntry::Message { pending, .. } | TimelineEntry::Comment { pending, .. } => {
                pending.is_some()
            }
        })
        .collect();
    assert!(pending.is_empty(), "local echoes left: {pending:?}");
    let activity: Vec<_> = page
        .entries
        .iter()
        .filter_map(|e| match e {
            TimelineEntry::Message { message, .. } => message.activity.as_ref().map(|a| a.kind),
            TimelineEntry::Comment { .. } => None,
        })
        .collect();
    use messenger_protocol::ActivityKind as K;
    assert_eq!(
        activity,
        vec![K::ConversationOpened, K::Assigned, K::ConversationClosed],
        "activity entries"
    );
    assert!(
        page.entries.iter().any(|e| matches!(e, TimelineEntry::Comment { comment, .. } if comment.text == "checking with the courier")),
        "the comment is in the timeline"
    );
}
