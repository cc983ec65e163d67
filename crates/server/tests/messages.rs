//! Sending, the timeline, comments, snippets, contacts and files, over real HTTP.
#![allow(clippy::unwrap_used)]

mod common;

use common::provider::Provider;
use common::{TestServer, client_id};
use serde_json::{Value, json};

#[tokio::test]
async fn a_client_id_is_stored_once_per_user() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    let contact = t.incoming(&ch, "+1", "m1", "hi").await;
    let other = t.incoming(&ch, "+2", "m2", "hi").await;
    let id = client_id();
    let body = json!({"client_id": id, "text": "Hello"});
    let first = t
        .post(
            &format!("/contacts/{contact}/messages"),
            &t.owner,
            body.clone(),
        )
        .await
        .ok(201);
    let again = t
        .post(
            &format!("/contacts/{contact}/messages"),
            &t.owner,
            body.clone(),
        )
        .await
        .ok(200);
    assert_eq!(first["id"], again["id"]);
    assert_eq!(again["client_id"], id.as_str());
    let msg = t
        .post(&format!("/contacts/{other}/messages"), &t.owner, body)
        .await
        .err(409, "conflict");
    assert!(msg.contains("another contact"), "{msg}");
    let outgoing = t
        .timeline(&contact, &t.owner)
        .await
        .into_iter()
        .filter(|m| m["direction"] == "outgoing")
        .count();
    assert_eq!(outgoing, 1);
    // Concurrent retries of one send still store one message.
    let id = client_id();
    let path = format!("/contacts/{contact}/messages");
    let sends = (0..8).map(|_| t.post(&path, &t.owner, json!({"client_id": id, "text": "again"})));
    let answers = futures::future::join_all(sends).await;
    let created = answers.iter().filter(|a| a.status == 201).count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|a| a.body["id"] == answers[0].body["id"])
    );
}

#[tokio::test]
async fn bad_sends_are_refused_with_reasons() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let contact = t.incoming(&ch, "+1", "m1", "hi").await;
    let path = format!("/contacts/{contact}/messages");
    let m = t
        .post(
            &path,
            &t.owner,
            json!({"client_id": client_id(), "text": "   "}),
        )
        .await
        .err(400, "invalid_field");
    assert!(m.contains("needs text"), "{m}");
    t.post(&path, &t.owner, json!({"text": "no client id"}))
        .await
        .err(400, "malformed_request");
    t.post(
        &path,
        &t.owner,
        json!({"client_id": client_id(), "text": "x", "urgent": true}),
    )
    .await
    .err(400, "malformed_request");
    t.post(
        &path,
        &t.owner,
        json!({"client_id": client_id(), "text": "x".repeat(10_001)}),
    )
    .await
    .err(400, "invalid_field");
    t.post(
        &path,
        &t.owner,
        json!({"client_id": client_id(), "file_ids": ["999"]}),
    )
    .await
    .err(404, "not_found");
    t.post(
        "/contacts/999/messages",
        &t.owner,
        json!({"client_id": client_id(), "text": "x"}),
    )
    .await
    .err(404, "not_found");
    t.post(
        &path,
        &t.owner,
        json!({"client_id": client_id(), "text": "x", "channel_id": "999"}),
    )
    .await
    .err(400, "invalid_field");
    // Nothing was stored by the refused sends.
    let outgoing = t
        .timeline(&contact, &t.owner)
        .await
        .into_iter()
        .filter(|m| m["direction"] == "outgoing")
        .count();
    assert_eq!(outgoing, 0);
}

#[tokio::test]
async fn the_timeline_pages_newest_first_across_conversations() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let contact = t.incoming(&ch, "+1", "m0", "first").await;
    for i in 1..30 {
        t.incoming(&ch, "+1", &format!("m{i}"), &format!("message {i}"))
            .await;
    }
    let page1 = t
        .get(&format!("/contacts/{contact}/messages?limit=20"), &t.owner)
        .await
        .ok(200);
    let items1 = page1["items"].as_array().unwrap();
    assert_eq!(items1.len(), 20);
    assert_eq!(items1[0]["text"], "message 29");
    let cursor = page1["next_cursor"].as_str().unwrap();
    let page2 = t
        .get(
            &format!("/contacts/{contact}/messages?limit=20&before={cursor}"),
            &t.owner,
        )
        .await
        .ok(200);
    let items2 = page2["items"].as_array().unwrap();
    assert_eq!(items2.len(), 11, "30 messages and one activity entry");
    assert_eq!(page2["next_cursor"], Value::Null);
    t.get(&format!("/contacts/{contact}/messages?limit=0"), &t.owner)
        .await
        .err(400, "invalid_field");
    t.get(&format!("/contacts/{contact}/messages?limit=abc"), &t.owner)
        .await
        .err(400, "malformed_request");
}

#[tokio::test]
async fn comments_stay_internal_and_mentions_must_exist() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    let (alice_id, alice) = t.user("Alice Agent", "agent").await;
    let contact = t.incoming(&ch, "+1", "m1", "hi").await;
    let path = format!("/contacts/{contact}/comments");
    let cid = client_id();
    let c = t
        .post(
            &path,
            &alice,
            json!({"text": "VIP, be nice @Olivia", "client_id": cid, "mentions": ["1"]}),
        )
        .await
        .ok(201);
    assert_eq!(c["author_id"], alice_id.as_str());
    assert_eq!(c["mentions"], json!(["1"]));
    t.post(
        &path,
        &alice,
        json!({"text": "VIP, be nice @Olivia", "client_id": cid}),
    )
    .await
    .ok(200);
    t.post(&path, &alice, json!({"text": "x", "mentions": ["999"]}))
        .await
        .err(400, "invalid_field");
    t.post(&path, &alice, json!({"text": "  "}))
        .await
        .err(400, "invalid_field");
    let list = t.get(&path, &alice).await.ok(200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Comments are never sent to the contact, and do not touch the contact's last message.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(provider.received().is_empty());
    assert_eq!(
        t.get(&format!("/contacts/{contact}"), &alice).await.ok(200)["last_message_preview"],
        "hi"
    );
}

#[tokio::test]
async fn snippets_render_their_variables_for_the_contact_and_the_user() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let (_, agent) = t.user("Susan Support", "agent").await;
    t.webhook(&ch, json!({"channelId": ch.id, "contactId": "+34", "contact": {"firstName": "María", "lastName": "López", "email": "maria@example.com"},
        "events": [{"type": "message", "mId": "m1", "timestamp": 1, "message": {"type": "text", "text": "hola"}}]}))
        .await
        .ok(200);
    let contact = t.contact_by_external("+34").await;
    let s = t
        .post("/snippets", &t.owner, json!({"name": "Greeting", "shortcut": "/Hello", "text": "Hi {{contact.first_name}}, I'm {{ user.name }}. ({{contact.name}}, {{contact.email}}) {{contact.unknown}}"}))
        .await
        .ok(201);
    assert_eq!(s["shortcut"], "hello");
    let id = s["id"].as_str().unwrap();
    let r = t
        .post(
            &format!("/snippets/{id}/render"),
            &agent,
            json!({"contact_id": contact}),
        )
        .await
        .ok(200);
    assert_eq!(
        r["text"],
        "Hi María, I'm Susan Support. (María López, maria@example.com) {{contact.unknown}}"
    );
    t.post(
        "/snippets",
        &agent,
        json!({"name": "x", "shortcut": "x", "text": "x"}),
    )
    .await
    .err(403, "forbidden");
    t.post(
        "/snippets",
        &t.owner,
        json!({"name": "Dup", "shortcut": "hello", "text": "x"}),
    )
    .await
    .err(409, "conflict");
    t.post(
        "/snippets",
        &t.owner,
        json!({"name": "Bad", "shortcut": "two words", "text": "x"}),
    )
    .await
    .err(400, "invalid_field");
    t.post(
        &format!("/snippets/{id}/render"),
        &agent,
        json!({"contact_id": "999"}),
    )
    .await
    .err(404, "not_found");
    t.patch(
        &format!("/snippets/{id}"),
        &t.owner,
        json!({"text": "Bye {{contact.first_name}}"}),
    )
    .await
    .ok(200);
    let r = t
        .post(
            &format!("/snippets/{id}/render"),
            &agent,
            json!({"contact_id": contact}),
        )
        .await
        .ok(200);
    assert_eq!(r["text"], "Bye María");
    t.call(
        reqwest::Method::DELETE,
        &format!("/snippets/{id}"),
        &t.owner,
        None,
    )
    .await
    .ok(204);
    assert_eq!(t.get("/snippets", &agent).await.ok(200), json!([]));
}

#[tokio::test]
async fn contacts_list_by_view_and_status_with_search_and_paging() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let (alice_id, alice) = t.user("Alice Agent", "agent").await;
    for i in 0..7 {
        t.incoming(&ch, &format!("+10{i}"), &format!("m{i}"), "hi")
            .await;
    }
    let mine = t.contact_by_external("+103").await;
    t.put(
        &format!("/contacts/{mine}/assignee"),
        &t.owner,
        json!({"user_id": alice_id}),
    )
    .await
    .ok(200);
    let closed = t.contact_by_external("+104").await;
    let conv = t
        .get(&format!("/contacts/{closed}"), &t.owner)
        .await
        .ok(200)["open_conversation_id"]
        .clone();
    t.post(
        &format!("/conversations/{}/close", conv.as_str().unwrap()),
        &t.owner,
        json!({}),
    )
    .await
    .ok(200);

    let ids = |v: Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(t.get("/contacts?view=mine", &alice).await.ok(200)),
        vec![mine.clone()]
    );
    assert_eq!(
        t.get("/contacts?view=unassigned", &alice).await.ok(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert_eq!(
        ids(t.get("/contacts?status=closed", &alice).await.ok(200)),
        vec![closed.clone()]
    );
    assert_eq!(
        t.get("/contacts?status=any", &alice).await.ok(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    assert_eq!(
        ids(t.get("/contacts?status=any&q=%2B103", &alice).await.ok(200)),
        vec![mine.clone()]
    );
    // Most recent activity first, paged by cursor without overlap.
    let p1 = t.get("/contacts?status=any&limit=4", &alice).await.ok(200);
    let p2 = t
        .get(
            &format!(
                "/contacts?status=any&limit=4&cursor={}",
                p1["next_cursor"].as_str().unwrap()
            ),
            &alice,
        )
        .await
        .ok(200);
    let mut all = ids(p1);
    all.extend(ids(p2));
    assert_eq!(all.len(), 7);
    all.dedup();
    assert_eq!(all.len(), 7);
    t.get("/contacts?view=everyone", &alice)
        .await
        .err(400, "malformed_request");
    t.get("/contacts?cursor=zzz", &alice)
        .await
        .err(400, "invalid_field");
}

#[tokio::test]
async fn contacts_can_be_edited_and_merged_by_managers() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let web = t.channel("Web chat", false, None).await;
    let (_, agent) = t.user("Alice Agent", "agent").await;
    let (_, manager) = t.user("Mona Manager", "manager").await;
    let primary = t.incoming(&ch, "+1", "m1", "from whatsapp").await;
    let secondary = t.incoming(&web, "visitor", "w1", "from the web").await;
    t.post(
        &format!("/contacts/{secondary}/comments"),
        &agent,
        json!({"text": "same person as +1"}),
    )
    .await
    .ok(201);

    let c = t
        .patch(&format!("/contacts/{primary}"), &agent, json!({"name": "Maria Lopez", "email": "maria@example.com", "tags": ["vip", "VIP", " billing "]}))
        .await
        .ok(200);
    assert_eq!(c["first_name"], "Maria");
    assert_eq!(c["tags"], json!(["vip", "billing"]));
    t.patch(
        &format!("/contacts/{primary}"),
        &agent,
        json!({"email": null}),
    )
    .await
    .ok(200);
    t.patch(&format!("/contacts/{primary}"), &agent, json!({"name": ""}))
        .await
        .err(400, "invalid_field");
    t.patch(
        &format!("/contacts/{primary}"),
        &agent,
        json!({"nickname": "x"}),
    )
    .await
    .err(400, "malformed_request");

    t.post(
        &format!("/contacts/{primary}/merge"),
        &agent,
        json!({"secondary_id": secondary}),
    )
    .await
    .err(403, "forbidden");
    t.post(
        &format!("/contacts/{primary}/merge"),
        &manager,
        json!({"secondary_id": primary}),
    )
    .await
    .err(422, "rule_refused");
    let merged = t
        .post(
            &format!("/contacts/{primary}/merge"),
            &manager,
            json!({"secondary_id": secondary}),
        )
        .await
        .ok(200);
    assert_eq!(merged["channels"].as_array().unwrap().len(), 2);
    t.get(&format!("/contacts/{secondary}"), &manager)
        .await
        .err(404, "not_found");
    let conversations = t
        .get(&format!("/contacts/{primary}/conversations"), &manager)
        .await
        .ok(200);
    let list = conversations.as_array().unwrap();
    assert_eq!(list.len(), 2, "the secondary's conversation moved");
    let moved = list
        .iter()
        .find(|c| c["closed_by"]["kind"] == "merge")
        .expect("the secondary's open conversation closed by merge");
    assert_eq!(moved["status"], "closed");
    let timeline = t.timeline(&primary, &manager).await;
    assert!(timeline.iter().any(|m| m["text"] == "from the web"));
    assert!(
        timeline
            .iter()
            .any(|m| m["text"] == "visitor Contact was merged into this contact by Mona Manager")
    );
    assert_eq!(
        t.get(&format!("/contacts/{primary}/comments"), &manager)
            .await
            .ok(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The moved channel identity now leads to the primary.
    t.incoming(&web, "visitor", "w2", "me again").await;
    assert_eq!(t.contact_by_external("visitor").await, primary);
}

#[tokio::test]
async fn uploads_are_sniffed_limited_and_downloads_are_checked() {
    let t = TestServer::start_with(|c| c.max_upload_bytes = 64 * 1024, None).await;
    let ch = t.channel("WhatsApp", true, None).await;
    let contact = t.incoming(&ch, "+1", "m1", "hi").await;
    let (_, agent) = t.user("Alice Agent", "agent").await;
    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n".to_vec();
    let up = t
        .http
        .post(t.url("/files?name=../../invoice.txt"))
        .bearer_auth(&agent)
        .body(pdf.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 201);
    let f: Value = up.json().await.unwrap();
    assert_eq!(f["mime"], "application/pdf", "the bytes win over the name");
    assert_eq!(f["name"], "invoice.txt");
    assert_eq!(f["size"], pdf.len());
    let id = f["id"].as_str().unwrap().to_owned();

    // Too large: 413, and nothing half-written is left behind.
    let res = t
        .http
        .post(t.url("/files?name=big.bin"))
        .bearer_auth(&agent)
        .body(vec![0u8; 100 * 1024])
        .send()
        .await
        .unwrap();
    let (status, code, _) = common::error_of(res).await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));
    // Streamed without a length: stopped at the limit.
    let chunks = futures::stream::iter((0..40).map(|_| Ok::<_, std::io::Error>(vec![1u8; 4096])));
    let res = t
        .http
        .post(t.url("/files?name=stream.bin"))
        .bearer_auth(&agent)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await;
    if let Ok(res) = res {
        assert_eq!(res.status(), 413);
    }
    assert_eq!(t.server.state.blobs.pending_uploads(), 0);
    t.http
        .post(t.url("/files"))
        .bearer_auth(&agent)
        .body("x")
        .send()
        .await
        .map(|r| assert_eq!(r.status(), 400))
        .unwrap();
    assert_eq!(
        t.http
            .post(t.url("/files?name=x"))
            .body("x")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // The uploader can download it; another agent cannot until it is attached where they see.
    let (_, bob) = t.user("Bob Agent", "agent").await;
    let get = |token: String| {
        let url = t.url(&format!("/files/{id}"));
        let http = t.http.clone();
        async move { http.get(url).bearer_auth(token).send().await.unwrap() }
    };
    let res = get(agent.clone()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("invoice.txt")
    );
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);
    assert_eq!(get(bob.clone()).await.status(), 404);
    t.post(
        &format!("/contacts/{contact}/messages"),
        &agent,
        json!({"client_id": client_id(), "file_ids": [id]}),
    )
    .await
    .ok(201);
    assert_eq!(get(bob.clone()).await.status(), 200);

    // Signed links: valid, tampered, expired.
    let link = t
        .server
        .state
        .signed_file_url(&messenger_protocol::FileId(id.clone()));
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 200);
    let tampered = link.replace("sig=", "sig=00");
    assert_eq!(reqwest::get(&tampered).await.unwrap().status(), 403);
    let expired = t.url(&format!(
        "/files/{id}?{}",
        t.server.state.links.query(&id, 1000)
    ));
    assert_eq!(reqwest::get(&expired).await.unwrap().status(), 403);
    assert_eq!(
        reqwest::get(t.url(&format!("/files/{id}?expires=5")))
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        reqwest::get(t.url("/files/999")).await.unwrap().status(),
        401
    );
}
