//! The agent core against a real messenger-server on loopback: reading and searching offline,
//! offline writes delivered exactly once (also when the answer is lost), resuming without gaps,
//! re-bootstrapping on 410, visibility purges, files.
#![allow(clippy::unwrap_used)]

mod common;

use common::proxy::Proxy;
use common::{Server, agent, follow_as_ada, offline, online, until};
use messenger_agent::cache::InboxQuery;
use messenger_agent::view::{SyncStatus, TimelineEntry};
use messenger_protocol::{ContactId, ContactView, StatusFilter};
use serde_json::json;

fn texts(agent: &messenger_agent::Agent, contact: &ContactId) -> Vec<(String, bool)> {
    agent
        .timeline(contact, None, 500)
        .unwrap()
        .entries
        .into_iter()
        .filter_map(|e| match e {
            TimelineEntry::Message { message, pending }
                if message.direction != messenger_protocol::Direction::Activity =>
            {
                Some((message.text, pending.is_some()))
            }
            _ => None,
        })
        .collect()
}

fn all_open() -> InboxQuery {
    InboxQuery {
        view: ContactView::All,
        status: StatusFilter::Any,
        sort: Default::default(),
        text: None,
        offset: 0,
        limit: 100,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_searches_everything_it_has_seen_after_the_server_stops() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut server = Server::start(sdir.path()).await;
    let maria = server
        .incoming("+34600", "m1", "Hola, my parcel never arrived")
        .await;
    server
        .incoming("+34600", "m2", "The tracking number is ZX-4821")
        .await;
    let other = server
        .incoming("+1555", "m3", "Do you ship to Portugal?")
        .await;
    server
        .post(
            &format!("/contacts/{other}/comments"),
            &server.owner.clone(),
            json!({"text": "Wholesale customer"}),
        )
        .await;

    let a = agent(adir.path());
    follow_as_ada(&a, &server.base()).await;
    let maria = ContactId(maria);
    a.ensure_history(&maria).await.unwrap();
    a.ensure_history(&ContactId(other.clone())).await.unwrap();
    assert_eq!(texts(&a, &maria).len(), 2);

    server.stop().await;
    offline(&a).await;
    let state = a.sync_state().unwrap();
    assert!(state.last_error.is_some());
    // Everything reads from the cache.
    let inbox = a.inbox(&all_open()).unwrap();
    assert_eq!(inbox.total, 2);
    assert_eq!(
        texts(&a, &maria),
        vec![
            ("Hola, my parcel never arrived".into(), false),
            ("The tracking number is ZX-4821".into(), false)
        ]
    );
    let hits = a.search("zx-48", 10).unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].contact_id, maria);
    assert!(hits[0].snippet.contains("<mark>"), "{}", hits[0].snippet);
    let hits = a.search("parc", 10).unwrap();
    assert_eq!(hits[0].contact_id, maria, "prefix match");
    assert_eq!(
        a.search("wholesale", 10).unwrap()[0].contact_id.as_str(),
        other,
        "comments are searched"
    );
    assert_eq!(
        a.search("+1555", 10).unwrap()[0].contact_id.as_str(),
        other,
        "contacts are searched"
    );
    let details = a.contact_details(&maria).unwrap().unwrap();
    assert_eq!(details.conversations.len(), 1);

    // A fresh process reads the same cache, offline.
    drop(a);
    let a = agent(adir.path());
    assert_eq!(a.inbox(&all_open()).unwrap().total, 2);
    assert_eq!(texts(&a, &maria).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_writes_survive_a_restart_and_are_delivered_exactly_once() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut server = Server::start(sdir.path()).await;
    let contact = ContactId(server.incoming("+1", "m1", "Are you open today?").await);
    let later = ContactId(server.incoming("+2", "m2", "Hello?").await);
    {
        let a = agent(adir.path());
        follow_as_ada(&a, &server.base()).await;
        until("both contacts", 10, || {
            a.inbox(&all_open()).is_ok_and(|i| i.total == 2)
        })
        .await;
        assert_eq!(a.inbox(&all_open()).unwrap().rows[0].contact.id, later);
        server.stop().await;
        offline(&a).await;
        a.send_message(&contact, Some("Yes, until 18:00".into()), Vec::new(), None)
            .unwrap();
        // The pending reply is the row's newest thing: its preview, and first in the list.
        let first = a.inbox(&all_open()).unwrap().rows.remove(0);
        assert_eq!(first.contact.id, contact);
        assert_eq!(
            first.pending.map(|p| p.text).as_deref(),
            Some("Yes, until 18:00")
        );
        // Assigning the other contact waits beside the server's state, which stays as it was.
        let me = a.workspace().unwrap().unwrap().me.id;
        a.assign(&later, Some(me.clone())).unwrap();
        let details = a.contact_details(&later).unwrap().unwrap();
        assert_eq!(details.contact.assignee_id, None);
        assert_eq!(
            details.changes.assignee,
            Some(messenger_agent::view::PendingAssignee {
                user_id: Some(me.clone())
            })
        );
        let row = a.inbox(&all_open()).unwrap().rows.remove(1);
        assert_eq!(
            (row.contact.id.clone(), row.changes.assignee.is_some()),
            (later.clone(), true)
        );
        a.add_comment(&contact, "Asked about hours".into(), Vec::new())
            .unwrap();
        // Shown at once, pending.
        assert_eq!(
            texts(&a, &contact).last().unwrap(),
            &("Yes, until 18:00".to_owned(), true)
        );
        assert_eq!(a.outbox().unwrap().len(), 3);
        a.shutdown();
    }
    // The app restarts, still offline: the outbox is intact.
    let a = agent(adir.path());
    assert_eq!(a.outbox().unwrap().len(), 3);
    server.restart().await;
    a.start().unwrap();
    until("the outbox to empty", 15, || {
        a.outbox().map(|o| o.is_empty()).unwrap_or(false)
    })
    .await;
    assert_eq!(
        server.texts(contact.as_str(), "outgoing").await,
        vec!["Yes, until 18:00"]
    );
    let comments = server
        .get(&format!("/contacts/{contact}/comments"), &server.owner)
        .await;
    assert_eq!(comments.as_array().unwrap().len(), 1);
    until("the local echo to settle", 10, || {
        texts(&a, &contact).last() == Some(&("Yes, until 18:00".to_owned(), false))
    })
    .await;
    // Delivered, the row shows the server's preview again, still first.
    let first = a.inbox(&all_open()).unwrap().rows.remove(0);
    assert_eq!((first.contact.id, first.pending), (contact.clone(), None));
    // The assignment went through: the server's state says it, and nothing is pending.
    until("the assignment of the other contact", 10, || {
        assigned(&a, &later)
    })
    .await;
    assert_eq!(
        a.contact_details(&later).unwrap().unwrap().changes,
        Default::default()
    );
    // Replying assigned the contact to Ada, as the server's rule says; the cache shows it.
    until("the assignment to arrive", 10, || assigned(&a, &contact)).await;
}

/// Whether the cache holds the contact as assigned (the server's state, not a pending change).
fn assigned(a: &messenger_agent::Agent, contact: &ContactId) -> bool {
    a.contact_details(contact)
        .unwrap()
        .unwrap()
        .contact
        .assignee_id
        .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_whose_answer_is_lost_is_retried_and_stored_once() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = Server::start(sdir.path()).await;
    let proxy = Proxy::start(server.addr).await;
    let contact = ContactId(server.incoming("+1", "m1", "hi").await);
    let a = agent(adir.path());
    follow_as_ada(&a, &proxy.url()).await;
    proxy.lose_next_answer("/messages");
    a.send_message(&contact, Some("Only once, please".into()), Vec::new(), None)
        .unwrap();
    until("the outbox to empty", 15, || {
        a.outbox().map(|o| o.is_empty()).unwrap_or(false)
    })
    .await;
    assert_eq!(*proxy.lost.lock().unwrap(), 1, "the first answer was lost");
    assert_eq!(
        server.texts(contact.as_str(), "outgoing").await,
        vec!["Only once, please"]
    );
    assert_eq!(
        texts(&a, &contact)
            .iter()
            .filter(|t| t.0 == "Only once, please")
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_without_gaps_when_the_connection_drops_during_inbound_traffic() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = Server::start(sdir.path()).await;
    let proxy = Proxy::start(server.addr).await;
    let contact = server.incoming("+1", "m0", "first").await;
    let a = agent(adir.path());
    follow_as_ada(&a, &proxy.url()).await;
    let contact = ContactId(contact);
    a.ensure_history(&contact).await.unwrap();
    // Contacts keep writing while the agent's connection drops twice.
    for i in 1..=60 {
        server
            .incoming("+1", &format!("m{i}"), &format!("message {i}"))
            .await;
        if i == 20 {
            proxy.cut_all();
        }
        if i == 40 {
            proxy.go_offline();
        }
        if i == 50 {
            proxy.go_online();
        }
    }
    until("all 61 messages in the cache", 20, || {
        texts(&a, &contact).len() == 61
    })
    .await;
    let got: Vec<String> = texts(&a, &contact).into_iter().map(|t| t.0).collect();
    let want = server.texts(contact.as_str(), "incoming").await;
    assert_eq!(
        got, want,
        "the cache holds exactly the server's messages, in order"
    );
    let server_seq = server.get("/sync?since=0&limit=1", &server.owner).await["head_seq"]
        .as_i64()
        .unwrap();
    until("the cursor to reach the head", 10, || {
        a.account().unwrap().cache.last_seq().unwrap() == Some(server_seq)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_410_re_bootstraps_and_keeps_the_outbox() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = Server::start(sdir.path()).await;
    let proxy = Proxy::start(server.addr).await;
    let contact = ContactId(server.incoming("+1", "m1", "hi").await);
    let a = agent(adir.path());
    follow_as_ada(&a, &proxy.url()).await;
    proxy.go_offline();
    offline(&a).await;
    a.send_message(
        &contact,
        Some("written while away".into()),
        Vec::new(),
        None,
    )
    .unwrap();
    // Meanwhile the server moves on and prunes the log past the agent's place.
    let newcomer = server.incoming("+2", "m2", "new contact").await;
    server.incoming("+1", "m3", "again").await;
    let store = server.state().store.clone();
    let head = store.read(|tx| Ok(tx.last_seq()?)).await.unwrap();
    store
        .write(move |tx| Ok(tx.prune_events(head)?))
        .await
        .unwrap();
    proxy.go_online();
    until("the outbox to empty", 20, || {
        a.outbox().map(|o| o.is_empty()).unwrap_or(false)
    })
    .await;
    assert_eq!(
        server.texts(contact.as_str(), "outgoing").await,
        vec!["written while away"]
    );
    until("the newcomer from the fresh snapshot", 10, || {
        a.contact_details(&ContactId(newcomer.clone()))
            .unwrap()
            .is_some()
    })
    .await;
    online(&a).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_that_leaves_sight_is_purged_from_the_cache() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = Server::start(sdir.path()).await;
    let contact = server
        .incoming("+1", "m1", "secret plans for the merger")
        .await;
    let a = agent(adir.path());
    follow_as_ada(&a, &server.base()).await;
    let cid = ContactId(contact.clone());
    a.ensure_history(&cid).await.unwrap();
    assert_eq!(a.search("merger", 10).unwrap().len(), 1);
    let users = server.get("/users", &server.owner).await;
    let bo = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "bo@example.com")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server
        .call(
            reqwest::Method::PATCH,
            "/settings",
            &server.owner,
            json!({"agent_visibility": "assigned_and_unassigned"}),
        )
        .await;
    server
        .call(
            reqwest::Method::PUT,
            &format!("/contacts/{contact}/assignee"),
            &server.owner,
            json!({"user_id": bo}),
        )
        .await;
    until("the contact to be purged", 10, || {
        a.contact_details(&cid).unwrap().is_none()
    })
    .await;
    assert!(
        a.search("merger", 10).unwrap().is_empty(),
        "its messages left the search index"
    );
    assert_eq!(a.timeline(&cid, None, 50).unwrap().entries.len(), 0);
    // Back in sight: it returns, and its history is fetched on demand.
    server
        .call(
            reqwest::Method::PUT,
            &format!("/contacts/{contact}/assignee"),
            &server.owner,
            json!({"user_id": null}),
        )
        .await;
    until("the contact to return", 10, || {
        a.contact_details(&cid).unwrap().is_some()
    })
    .await;
    a.ensure_history(&cid).await.unwrap();
    assert_eq!(texts(&a, &cid).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_writes_fail_with_the_servers_reason_and_can_be_retried_or_discarded() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = Server::start(sdir.path()).await;
    let contact = ContactId(server.incoming("+1", "m1", "hi").await);
    let a = agent(adir.path());
    follow_as_ada(&a, &server.base()).await;
    server
        .call(
            reqwest::Method::PATCH,
            "/settings",
            &server.owner,
            json!({"closing_note_mode": "category_required"}),
        )
        .await;
    let conv = a
        .contact_details(&contact)
        .unwrap()
        .unwrap()
        .contact
        .open_conversation_id
        .unwrap();
    a.close_conversation(&contact, &conv, None, None).unwrap();
    until("the close to fail", 10, || {
        a.outbox().unwrap().first().is_some_and(|e| e.failed)
    })
    .await;
    let entry = a.outbox().unwrap()[0].clone();
    assert!(
        entry
            .error
            .as_deref()
            .unwrap()
            .contains("closing-note category"),
        "{entry:?}"
    );
    // The refusal is kept as data: a setting may change, so the app offers Retry.
    let refusal = entry.refusal.clone().expect("the refusal is kept");
    assert_eq!(
        (refusal.code.as_str(), refusal.status, refusal.recoverable),
        ("closing_note_required", 422, true)
    );
    // The server's state was never overwritten: the contact is open, and nothing is pending.
    assert_eq!(
        a.contact_details(&contact).unwrap().unwrap().changes,
        Default::default()
    );
    until("the contact to be open", 10, || {
        a.contact_details(&contact)
            .unwrap()
            .unwrap()
            .contact
            .open_conversation_id
            .is_some()
    })
    .await;
    server
        .call(
            reqwest::Method::PATCH,
            "/settings",
            &server.owner,
            json!({"closing_note_mode": "optional"}),
        )
        .await;
    a.retry(entry.id).unwrap();
    until("the retried close to go through", 10, || {
        a.outbox().unwrap().is_empty()
    })
    .await;
    until("the contact to show closed", 10, || {
        a.contact_details(&contact)
            .unwrap()
            .unwrap()
            .contact
            .open_conversation_id
            .is_none()
    })
    .await;

    // A message to a contact that is gone fails; discarding removes it and its echo.
    a.send_message(
        &ContactId("424242".into()),
        Some("x".into()),
        Vec::new(),
        None,
    )
    .unwrap_err();
    a.add_comment(
        &contact,
        "note".into(),
        vec![messenger_protocol::UserId("999".into())],
    )
    .unwrap();
    until("the comment to fail", 10, || {
        a.outbox().unwrap().first().is_some_and(|e| e.failed)
    })
    .await;
    let entry = a.outbox().unwrap()[0].clone();
    // Mentioning nobody who exists will never pass: only Discard is offered, after a restart too.
    let refusal = entry.refusal.clone().expect("the refusal is kept");
    assert!(!refusal.recoverable, "{refusal:?}");
    a.shutdown();
    drop(a);
    let a = agent(adir.path());
    assert_eq!(a.outbox().unwrap()[0].refusal, Some(refusal));
    let id = entry.id;
    a.discard(id).unwrap();
    assert!(a.outbox().unwrap().is_empty());
    assert!(
        a.timeline(&contact, None, 50)
            .unwrap()
            .entries
            .iter()
            .all(|e| !matches!(e, TimelineEntry::Comment { .. }))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_upload_first_and_open_offline_from_the_file_cache() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut server = Server::start(sdir.path()).await;
    let contact = ContactId(server.incoming("+1", "m1", "send me the invoice").await);
    let a = agent(adir.path());
    follow_as_ada(&a, &server.base()).await;
    let mut progress = a.subscribe();
    let pdf = b"%PDF-1.7\n".repeat(20_000);
    let staged = a.stage_bytes("invoice.pdf", &pdf).unwrap();
    a.send_message(
        &contact,
        Some("Here it is".into()),
        vec![staged.clone()],
        None,
    )
    .unwrap();
    until("the outbox to empty", 15, || a.outbox().unwrap().is_empty()).await;
    let mut saw_progress = false;
    while let Ok(e) = progress.try_recv() {
        if let messenger_agent::view::AgentEvent::UploadProgress { sent, total, .. } = e {
            saw_progress |= sent == total && total == pdf.len() as u64;
        }
    }
    assert!(saw_progress, "upload progress reached 100 %");
    assert!(
        !std::path::Path::new(&staged.path).exists(),
        "the staged copy is removed once uploaded"
    );
    let file_id = loop {
        let entries = a.timeline(&contact, None, 10).unwrap().entries;
        let found = entries.iter().find_map(|e| match e {
            TimelineEntry::Message {
                message,
                pending: None,
            } if !message.attachments.is_empty() => message.attachments[0].file_id.clone(),
            _ => None,
        });
        if let Some(f) = found {
            break f;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let path = a.open_file(&file_id).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), pdf);
    server.stop().await;
    let again = a.open_file(&file_id).await.unwrap();
    assert_eq!(again, path, "opened offline from the cache");
    let err = a
        .open_file(&messenger_protocol::FileId("999".into()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot be reached"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_fields_and_contacts_values_reach_the_cache_from_the_snapshot_and_the_stream() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = Server::start(sdir.path()).await;
    let owner = server.owner.clone();
    server
        .post(
            "/custom-fields",
            &owner,
            json!({"name": "Plan", "data_type": "list", "allowed_values": ["Gold", "Silver"]}),
        )
        .await;
    let maria = server.incoming("+34600", "m1", "Hola").await;

    let a = agent(adir.path());
    follow_as_ada(&a, &server.base()).await;
    let names = |a: &messenger_agent::Agent| -> Vec<String> {
        a.workspace()
            .unwrap()
            .map(|w| w.custom_fields.into_iter().map(|f| f.name).collect())
            .unwrap_or_default()
    };
    assert_eq!(names(&a), ["Plan"], "from the snapshot");

    // Live: a new field, and a value on the contact.
    server
        .post(
            "/custom-fields",
            &owner,
            json!({"name": "Renewal", "data_type": "date"}),
        )
        .await;
    server
        .call(
            reqwest::Method::PATCH,
            &format!("/contacts/{maria}"),
            &owner,
            json!({"custom_fields": {"plan": "gold", "renewal": "2027-01-31"}}),
        )
        .await;
    let maria = ContactId(maria);
    until("the field and the values", 10, || {
        names(&a) == ["Plan", "Renewal"]
            && a.contact_details(&maria).unwrap().is_some_and(|d| {
                d.contact.custom_fields.get("plan").map(String::as_str) == Some("Gold")
            })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_event_types_are_passed_over_and_an_unreadable_one_stops_the_sync_just_before_it() {
    let (sdir, adir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut server = Server::start(sdir.path()).await;
    let a = agent(adir.path());
    follow_as_ada(&a, &server.base()).await;
    server.stop().await;
    // What a later server version could log: a type this agent does not know, then a type it
    // knows in a shape it cannot read.
    let db = rusqlite::Connection::open(sdir.path().join("messenger.db")).unwrap();
    let now = messenger_protocol::Timestamp::now().millis();
    db.execute(
        "INSERT INTO events (type, at, data) VALUES ('poll.created', ?1, '{\"question\":\"?\"}')",
        [now],
    )
    .unwrap();
    let unknown = db.last_insert_rowid();
    db.execute(
        "INSERT INTO events (type, at, data) VALUES ('snippet.upserted', ?1, '{\"id\":5}')",
        [now],
    )
    .unwrap();
    let unreadable = db.last_insert_rowid();
    drop(db);
    server.restart().await;
    until("the sync to stop", 15, || {
        a.sync_state()
            .is_ok_and(|s| s.status == SyncStatus::Stopped)
    })
    .await;
    let state = a.sync_state().unwrap();
    assert_eq!(state.skipped_events, 1, "{state:?}");
    let why = state.last_error.unwrap_or_default();
    assert!(
        why.contains("snippet.upserted") && why.contains(&format!("seq {unreadable}")),
        "{why}"
    );
    // The cursor waits just before the unreadable event, past the unknown one.
    assert_eq!(
        messenger_agent::sync::position(&a.account().unwrap()).unwrap(),
        unknown
    );
    // Nothing after it is applied; still stopped on the next attempts.
    let contact = ContactId(server.incoming("+5", "after", "after the odd event").await);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(a.contact_details(&contact).unwrap().is_none());
    assert_eq!(a.sync_state().unwrap().status, SyncStatus::Stopped);

    // Once the server no longer sends it, the sync goes on from there, the unknown event not
    // counted twice.
    server.stop().await;
    let db = rusqlite::Connection::open(sdir.path().join("messenger.db")).unwrap();
    db.execute("DELETE FROM events WHERE seq = ?1", [unreadable])
        .unwrap();
    drop(db);
    server.restart().await;
    online(&a).await;
    until("the later message to arrive", 15, || {
        a.contact_details(&contact).unwrap().is_some()
    })
    .await;
    assert_eq!(a.sync_state().unwrap().skipped_events, 1);
}
