//! Who may attach and download a file, over real HTTP (DESIGN.md, "Files"): an upload is its
//! uploader's until it is sent; a sent file goes to whoever may see a contact it is on now;
//! everyone else gets the same 404 as for an unknown file. Ids are random, and every route that
//! serves a file keeps it from running in the API's origin.
#![allow(clippy::unwrap_used)]

mod common;

use common::provider::Provider;
use common::{Channel, TestServer, client_id};
use messenger_protocol::FileId;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
const OGG: &[u8] = b"OggS\0\x02\0\0\0\0\0\0\0\0OpusHead";

async fn upload(t: &TestServer, token: &str, name: &str, bytes: &[u8]) -> String {
    let res = t
        .http
        .post(t.url(&format!("/files?name={name}")))
        .bearer_auth(token)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "upload of {name}");
    let f: Value = res.json().await.unwrap();
    f["id"].as_str().unwrap().to_owned()
}

async fn send_files(t: &TestServer, token: &str, contact: &str, files: &[&str]) -> common::Answer {
    t.post(
        &format!("/contacts/{contact}/messages"),
        token,
        json!({"client_id": client_id(), "file_ids": files}),
    )
    .await
}

async fn send_voice(t: &TestServer, token: &str, contact: &str, file: &str) -> common::Answer {
    t.post(
        &format!("/contacts/{contact}/messages"),
        token,
        json!({"client_id": client_id(), "voice": {"file_id": file, "duration_ms": 1200}}),
    )
    .await
}

async fn download(t: &TestServer, token: &str, file: &str) -> common::Answer {
    t.get(&format!("/files/{file}"), token).await
}

/// A 404 indistinguishable from the one for a file that never existed.
async fn assert_hidden(t: &TestServer, answer: common::Answer, file: &str, who: &str) {
    let unknown = uuid::Uuid::new_v4().simple().to_string();
    let reference = download(t, &t.owner, &unknown).await;
    let expected = reference.err(404, "not_found").replace(&unknown, file);
    let message = answer.err(404, "not_found");
    assert_eq!(message, expected, "{who}: the refusal must read as unknown");
}

async fn set_visibility(t: &TestServer, visibility: &str) {
    t.patch(
        "/settings",
        &t.owner,
        json!({"agent_visibility": visibility}),
    )
    .await
    .ok(200);
}

async fn assign(t: &TestServer, contact: &str, user: Option<&str>) {
    t.put(
        &format!("/contacts/{contact}/assignee"),
        &t.owner,
        json!({"user_id": user}),
    )
    .await
    .ok(200);
}

async fn messages_on(t: &TestServer, contact: &str) -> usize {
    t.timeline(contact, &t.owner).await.len()
}

struct Team {
    channel: Channel,
    alice: String,
    bob: String,
    bob_id: String,
    manager: String,
}

async fn team(t: &TestServer) -> Team {
    let channel = t.channel("WhatsApp", true, None).await;
    let (_, alice) = t.user("Alice Agent", "agent").await;
    let (bob_id, bob) = t.user("Bob Agent", "agent").await;
    let (_, manager) = t.user("Mia Manager", "manager").await;
    Team {
        channel,
        alice,
        bob,
        bob_id,
        manager,
    }
}

#[tokio::test]
async fn an_unsent_upload_is_its_uploaders_alone_and_once_sent_goes_with_its_contact() {
    let t = TestServer::start().await;
    let team = team(&t).await;
    let x = t.incoming(&team.channel, "+1", "m1", "hello").await;
    let y = t.incoming(&team.channel, "+2", "m2", "hi").await;
    let picture = upload(&t, &team.alice, "picture.png", PNG).await;
    let note = upload(&t, &team.alice, "note.ogg", OGG).await;

    // Nobody but Alice may have her unsent uploads: not Bob, not a manager, not the owner.
    let on_y = messages_on(&t, &y).await;
    for (who, token) in [
        ("Bob", &team.bob),
        ("the manager", &team.manager),
        ("the owner", &t.owner),
    ] {
        assert_hidden(&t, download(&t, token, &picture).await, &picture, who).await;
        assert_hidden(
            &t,
            send_files(&t, token, &y, &[&picture]).await,
            &picture,
            who,
        )
        .await;
        assert_hidden(&t, send_voice(&t, token, &y, &note).await, &note, who).await;
    }
    assert_eq!(
        messages_on(&t, &y).await,
        on_y,
        "a refused send stores nothing"
    );

    // Alice may.
    let res = t
        .http
        .get(t.url(&format!("/files/{picture}")))
        .bearer_auth(&team.alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    send_files(&t, &team.alice, &x, &[&picture]).await.ok(201);
    send_voice(&t, &team.alice, &x, &note).await.ok(201);

    // Sent on X, which everyone sees (visibility "all"): anyone may download and re-attach it.
    for (who, token, contact) in [("Bob", &team.bob, &y), ("the manager", &team.manager, &y)] {
        assert_eq!(download(&t, token, &picture).await.status, 200, "{who}");
        let m = send_files(&t, token, contact, &[&picture]).await.ok(201);
        assert_eq!(m["attachments"][0]["file_id"], picture.as_str(), "{who}");
        send_voice(&t, token, contact, &note).await.ok(201);
    }
}

/// Under a visibility that hides contacts, a file on a hidden contact is hidden with it, and
/// shows again once the contact does.
async fn files_follow_the_contact_under(visibility: &str) {
    let t = TestServer::start().await;
    let team = team(&t).await;
    let x = t.incoming(&team.channel, "+1", "m1", "hello").await;
    let y = t.incoming(&team.channel, "+2", "m2", "hi").await;
    let z = t.incoming(&team.channel, "+3", "m3", "hey").await;
    let picture = upload(&t, &team.alice, "picture.png", PNG).await;
    // Replying assigns X to Alice.
    send_files(&t, &team.alice, &x, &[&picture]).await.ok(201);
    assign(&t, &y, Some(&team.bob_id)).await;
    set_visibility(&t, visibility).await;

    let who = format!("Bob under {visibility}");
    let on_y = messages_on(&t, &y).await;
    assert_hidden(&t, download(&t, &team.bob, &picture).await, &picture, &who).await;
    assert_hidden(
        &t,
        send_files(&t, &team.bob, &y, &[&picture]).await,
        &picture,
        &who,
    )
    .await;
    assert_eq!(messages_on(&t, &y).await, on_y, "{who}: nothing was stored");

    // A manager sees every contact, so downloads it and may put it on another one.
    assert_eq!(download(&t, &team.manager, &picture).await.status, 200);
    send_files(&t, &team.manager, &z, &[&picture]).await.ok(201);
    assert_hidden(
        &t,
        download(&t, &team.bob, &picture).await,
        &picture,
        &format!("{who}, with Z the manager's"),
    )
    .await;

    // X goes to Bob: he may have the file now, and Alice, who sent it, no longer may.
    assign(&t, &x, Some(&team.bob_id)).await;
    assert_eq!(download(&t, &team.bob, &picture).await.status, 200, "{who}");
    send_files(&t, &team.bob, &y, &[&picture]).await.ok(201);
    let who = format!("Alice under {visibility}");
    assert_hidden(
        &t,
        download(&t, &team.alice, &picture).await,
        &picture,
        &who,
    )
    .await;
}

#[tokio::test]
async fn files_on_a_contact_follow_the_contact_under_assigned() {
    files_follow_the_contact_under("assigned").await;
}

#[tokio::test]
async fn files_on_a_contact_follow_the_contact_under_assigned_and_unassigned() {
    files_follow_the_contact_under("assigned_and_unassigned").await;
}

#[tokio::test]
async fn a_file_a_contact_sent_has_a_random_id_and_is_seen_with_its_contact() {
    let t = TestServer::start().await;
    let team = team(&t).await;
    let provider = Provider::start().await;
    let url = provider.serve_file("photo.png", "image/png", PNG.to_vec());
    t.webhook(&team.channel, json!({"channelId": team.channel.id, "contactId": "c1",
        "events": [{"type": "message", "mId": "a1", "timestamp": 1,
        "message": {"type": "attachment", "attachment": {"type": "image", "url": url, "fileName": "photo.png"}}}]}))
        .await
        .ok(200);
    let contact = t.contact_by_external("c1").await;
    let tl = t
        .eventually(&contact, "the fetched attachment", |tl| {
            tl.iter().any(|m| {
                m["attachments"]
                    .get(0)
                    .is_some_and(|a| a["status"] == "ready")
            })
        })
        .await;
    let fetched = tl
        .iter()
        .find_map(|m| m["attachments"][0]["file_id"].as_str())
        .unwrap()
        .to_owned();
    assert!(
        fetched.len() == 32 && u128::from_str_radix(&fetched, 16).is_ok(),
        "{fetched}: a fetched file gets a random id too"
    );
    assert_eq!(download(&t, &team.bob, &fetched).await.status, 200);
    assign(&t, &contact, Some(&team.bob_id)).await;
    set_visibility(&t, "assigned").await;
    assert_eq!(download(&t, &team.bob, &fetched).await.status, 200);
    assert_hidden(
        &t,
        download(&t, &team.alice, &fetched).await,
        &fetched,
        "Alice",
    )
    .await;
    assert_eq!(download(&t, &team.manager, &fetched).await.status, 200);
}

#[tokio::test]
async fn file_ids_are_random() {
    let t = TestServer::start().await;
    let mut ids = Vec::new();
    for i in 0..32 {
        let id = upload(&t, &t.owner, "same.txt", format!("file {i}").as_bytes()).await;
        assert_eq!(id.len(), 32, "{id}: 32 hex characters");
        ids.push(u128::from_str_radix(&id, 16).unwrap_or_else(|_| panic!("{id}: not hex")));
    }
    // Two consecutive uploads are unrelated: about half their bits differ.
    let differing = (ids[0] ^ ids[1]).count_ones();
    assert!(differing >= 20, "{:032x} and {:032x}", ids[0], ids[1]);
    // Across 32 uploads at least 122 bit positions take both values (a UUID v4 fixes 6).
    let all_ones = ids.iter().fold(u128::MAX, |acc, id| acc & id);
    let all_zeros = ids.iter().fold(u128::MAX, |acc, id| acc & !id);
    let varying = 128 - all_ones.count_ones() - all_zeros.count_ones();
    assert!(varying >= 122, "only {varying} bits vary: {ids:032x?}");
}

fn assert_served_safely(headers: &HeaderMap, mime: &str, disposition: &str, route: &str) {
    let header = |name: &str| {
        headers
            .get(name)
            .unwrap_or_else(|| panic!("{route}: no {name} for {mime}"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header("x-content-type-options"), "nosniff", "{route}");
    assert_eq!(header("content-security-policy"), "sandbox", "{route}");
    assert_eq!(header("content-type"), mime, "{route}");
    let cd = header("content-disposition");
    assert!(
        cd.starts_with(&format!("{disposition};")),
        "{route}: {mime} should be {disposition}, got {cd}"
    );
}

#[tokio::test]
async fn user_files_are_served_so_that_nothing_in_them_runs() {
    let t = TestServer::start().await;
    let cases: [(&str, &[u8], &str, &str); 5] = [
        (
            "page.html",
            b"<html><body><script>alert(document.cookie)</script></body></html>",
            "text/html",
            "attachment",
        ),
        (
            "logo.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
            "image/svg+xml",
            "attachment",
        ),
        ("pixel.png", PNG, "image/png", "inline"),
        ("note.ogg", OGG, "audio/ogg", "inline"),
        (
            "invoice.pdf",
            b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n",
            "application/pdf",
            "attachment",
        ),
    ];
    for (name, bytes, mime, disposition) in cases {
        let id = upload(&t, &t.owner, name, bytes).await;
        let res = t
            .http
            .get(t.url(&format!("/files/{id}")))
            .bearer_auth(&t.owner)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_served_safely(res.headers(), mime, disposition, "signed in");
        let cd = res.headers()["content-disposition"].to_str().unwrap();
        assert!(cd.contains(&format!("filename=\"{name}\"")), "{cd}");
        assert!(cd.contains(&format!("filename*=UTF-8''{name}")), "{cd}");
        assert_eq!(res.bytes().await.unwrap().as_ref(), bytes);

        let link = t.server.state.signed_file_url(&FileId(id));
        let res = reqwest::get(&link).await.unwrap();
        assert_eq!(res.status(), 200);
        assert_served_safely(res.headers(), mime, disposition, "signed link");
    }

    // A name outside ASCII: an ASCII stand-in, and the exact name in UTF-8 (RFC 5987).
    let id = upload(
        &t,
        &t.owner,
        "%D0%BE%D1%82%D1%87%D1%91%D1%82%20Q1.pdf",
        b"%PDF-1.7\n",
    )
    .await;
    let res = t
        .http
        .get(t.url(&format!("/files/{id}")))
        .bearer_auth(&t.owner)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"_____ Q1.pdf\"; \
         filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82%20Q1.pdf"
    );
}

#[tokio::test]
async fn a_signed_link_opens_its_own_file_only() {
    let t = TestServer::start().await;
    let a = upload(&t, &t.owner, "a.png", PNG).await;
    let b = upload(&t, &t.owner, "b.ogg", OGG).await;
    let link = t.server.state.signed_file_url(&FileId(a.clone()));
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 200);
    let other = link.replace(&a, &b);
    let res = reqwest::get(&other).await.unwrap();
    let (status, code, _) = common::error_of(res).await;
    assert_eq!((status, code.as_str()), (403, "forbidden"));
}
