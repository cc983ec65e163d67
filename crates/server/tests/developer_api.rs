//! The Developer API v2 (`/v2`), as respond.io's clients call it: each operation with the
//! request the n8n node (`@respond-io/n8n-nodes-respond-io`) or the TypeScript SDK sends,
//! through real HTTP, with its effects checked through `/api/v1` and on a loopback channel
//! provider. Tokens: created, shown once, listed, revoked; what each caller may do.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;
use common::provider::Provider;
use reqwest::Method;
use serde_json::{Value, json};

const POST: Method = Method::POST;
const GET: Method = Method::GET;
const PUT: Method = Method::PUT;
const DELETE: Method = Method::DELETE;

async fn contact_v1(t: &TestServer, id: &Value) -> Value {
    t.get(&format!("/contacts/{id}"), &t.owner).await.ok(200)
}

#[tokio::test]
async fn tokens_are_shown_once_listed_revoked_and_act_only_while_their_creator_administers() {
    let t = TestServer::start().await;
    let (manager_id, manager) = t.user("Mona Manager", "manager").await;
    let (_, agent) = t.user("Alice Agent", "agent").await;

    let created = t
        .post("/api-tokens", &manager, json!({"name": "n8n order sync"}))
        .await
        .ok(201);
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("ism_") && token.len() > 40, "{token}");
    assert_eq!(created["api_token"]["name"], "n8n order sync");
    assert_eq!(created["api_token"]["created_by"], manager_id);
    assert_eq!(
        created["api_token"]["hint"],
        token[token.len() - 4..].to_owned()
    );
    let list = t.get("/api-tokens", &t.owner).await.ok(200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(
        !list.to_string().contains(&token),
        "the list shows the token: {list}"
    );

    // Agents manage no tokens; names are checked.
    t.post("/api-tokens", &agent, json!({"name": "mine"}))
        .await
        .err(403, "forbidden");
    t.get("/api-tokens", &agent).await.err(403, "forbidden");
    t.post("/api-tokens", &t.owner, json!({"name": "  "}))
        .await
        .err(400, "invalid_field");

    // Only a workspace access token opens /v2.
    assert_eq!(t.v2(GET, "/space/user", &token, None).await.status, 200);
    let used = t.get("/api-tokens", &t.owner).await.ok(200);
    assert!(used[0]["last_used_at"].is_string(), "{used}");
    for (who, bearer) in [
        ("a session token", t.owner.clone()),
        ("a forged token", "ism_forged".to_owned()),
        ("no ism_ prefix", "abc".to_owned()),
    ] {
        let msg = t.v2(GET, "/space/user", &bearer, None).await.v2_err(401);
        assert!(!msg.is_empty(), "{who}");
    }
    let res = t
        .http
        .get(format!("{}/v2/space/user", t.server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], 401);

    // A token of a creator who no longer administers is refused, and works again if they do.
    t.patch(
        &format!("/users/{manager_id}"),
        &t.owner,
        json!({"role": "agent"}),
    )
    .await
    .ok(200);
    let msg = t.v2(GET, "/space/user", &token, None).await.v2_err(401);
    assert!(msg.contains("no longer an owner or manager"), "{msg}");
    t.patch(
        &format!("/users/{manager_id}"),
        &t.owner,
        json!({"role": "manager"}),
    )
    .await
    .ok(200);
    assert_eq!(t.v2(GET, "/space/user", &token, None).await.status, 200);

    // Revoked: refused from then on, and gone from the list.
    let id = created["api_token"]["id"].as_str().unwrap();
    t.call(Method::DELETE, &format!("/api-tokens/{id}"), &agent, None)
        .await
        .err(403, "forbidden");
    assert_eq!(
        t.call(Method::DELETE, &format!("/api-tokens/{id}"), &t.owner, None)
            .await
            .status,
        204
    );
    t.call(Method::DELETE, &format!("/api-tokens/{id}"), &t.owner, None)
        .await
        .err(404, "not_found");
    let msg = t.v2(GET, "/space/user", &token, None).await.v2_err(401);
    assert!(msg.contains("not valid"), "{msg}");
    assert_eq!(t.get("/api-tokens", &t.owner).await.ok(200), json!([]));
}

#[tokio::test]
async fn contacts_are_created_read_updated_tagged_listed_and_deleted_as_n8n_sends_it() {
    let t = TestServer::start().await;
    let token = t.api_token("n8n").await;

    // Create (n8n leaves out the field the identifier gives).
    let created = t
        .v2(
            POST,
            "/contact/phone:+60123456789",
            &token,
            Some(
                json!({"firstName": "Aisha", "lastName": "Rahman", "email": "aisha@example.com",
                        "language": "ms", "countryCode": "my"}),
            ),
        )
        .await
        .ok(200);
    assert_eq!(created["code"], 200);
    let id = created["contactId"].clone();
    assert!(id.as_i64().unwrap() > 0);
    let v1 = contact_v1(&t, &id).await;
    assert_eq!(v1["name"], "Aisha Rahman");
    assert_eq!(v1["phone"], "+60123456789");
    assert_eq!(v1["email"], "aisha@example.com");
    assert_eq!(
        v1["profile"],
        json!({"language": "ms", "country_code": "MY"})
    );
    let again = t
        .v2(
            POST,
            "/contact/phone:+60123456789",
            &token,
            Some(json!({"firstName": "X"})),
        )
        .await
        .v2_err(409);
    assert!(again.contains(&format!("id:{id}")), "{again}");

    // Read by every identifier form, raw as n8n sends it and percent-encoded as scripts do.
    for path in [
        format!("/contact/id:{id}"),
        "/contact/phone:+60123456789".to_owned(),
        "/contact/phone%3A%2B60123456789".to_owned(),
        "/contact/email:aisha@example.com".to_owned(),
        "/contact/email%3Aaisha%40example.com".to_owned(),
        "/contact/email:AISHA@example.com".to_owned(),
    ] {
        let c = t.v2(GET, &path, &token, None).await.ok(200);
        assert_eq!(c["id"], id, "{path}");
        assert_eq!(c["firstName"], "Aisha");
        assert_eq!(c["lastName"], "Rahman");
        assert_eq!(c["countryCode"], "MY");
        assert_eq!(c["status"], "close");
        assert!(c["created_at"].as_i64().unwrap() > 1_700_000_000, "{c}");
        assert!(
            c["created_at"].as_i64().unwrap() < 10_000_000_000,
            "seconds: {c}"
        );
    }
    t.v2(GET, "/contact/phone:+60999999", &token, None)
        .await
        .v2_err(404);
    let msg = t.v2(GET, "/contact/nobody", &token, None).await.v2_err(400);
    assert!(msg.contains("id:123"), "{msg}");

    // Update: only what is given changes.
    let updated = t
        .v2(
            PUT,
            &format!("/contact/id:{id}"),
            &token,
            Some(json!({"lastName": "Rahman-Ali"})),
        )
        .await
        .ok(200);
    assert_eq!(updated, json!({"contactId": id}));
    let v1 = contact_v1(&t, &id).await;
    assert_eq!(v1["name"], "Aisha Rahman-Ali");
    assert_eq!(v1["email"], "aisha@example.com");
    t.v2(
        PUT,
        &format!("/contact/id:{id}"),
        &token,
        Some(json!({"countryCode": "Malaysia"})),
    )
    .await
    .v2_err(400);
    let msg = t
        .v2(
            PUT,
            &format!("/contact/id:{id}"),
            &token,
            Some(json!({"custom_fields": [{"name": "plan", "value": "gold"}]})),
        )
        .await
        .v2_err(400);
    assert!(msg.contains("no custom field"), "{msg}");

    // Create or update: updates the one there is, creates the one there is not.
    let same = t
        .v2(
            POST,
            "/contact/create_or_update/email:aisha@example.com",
            &token,
            Some(json!({"firstName": "Aisha", "phone": "+60123456789"})),
        )
        .await
        .ok(200);
    assert_eq!(same["contactId"], id);
    let new = t
        .v2(
            POST,
            "/contact/create_or_update/email:ben@example.com",
            &token,
            Some(json!({"firstName": "Ben"})),
        )
        .await
        .ok(200);
    assert_ne!(new["contactId"], id);
    assert_eq!(
        contact_v1(&t, &new["contactId"]).await["email"],
        "ben@example.com"
    );
    t.v2(
        POST,
        "/contact/create_or_update/id:999999",
        &token,
        Some(json!({"firstName": "Z"})),
    )
    .await
    .v2_err(404);

    // Tags: a bare array; removal is a DELETE with a body.
    t.v2(
        POST,
        &format!("/contact/id:{id}/tag"),
        &token,
        Some(json!(["vip", "premium", "VIP"])),
    )
    .await
    .ok(200);
    assert_eq!(contact_v1(&t, &id).await["tags"], json!(["vip", "premium"]));
    t.v2(
        DELETE,
        &format!("/contact/id:{id}/tag"),
        &token,
        Some(json!(["VIP"])),
    )
    .await
    .ok(200);
    assert_eq!(contact_v1(&t, &id).await["tags"], json!(["premium"]));
    t.v2(
        POST,
        &format!("/contact/id:{id}/tag"),
        &token,
        Some(json!([])),
    )
    .await
    .v2_err(400);

    // List and search, as n8n asks (limit in the query of a POST, the filter in the body).
    for n in 0..5 {
        t.v2(
            POST,
            &format!("/contact/email:c{n}@example.com"),
            &token,
            Some(json!({"firstName": format!("Carla{n}")})),
        )
        .await
        .ok(200);
    }
    let n8n_body = json!({"search": "", "timezone": "utc", "filter": {"$or": []}});
    let first = t
        .v2(
            POST,
            "/contact/list?limit=2",
            &token,
            Some(n8n_body.clone()),
        )
        .await
        .ok(200);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert_eq!(first["pagination"]["previous"], "");
    let all = t
        .v2_all(POST, "/contact/list?limit=2", &token, Some(n8n_body))
        .await;
    let mut ids: Vec<i64> = all.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 7, "{all:#?}");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 7, "each contact once");
    let found = t
        .v2(
            POST,
            "/contact/list",
            &token,
            Some(json!({"search": "carla3", "timezone": "UTC", "filter": {"$and": []}})),
        )
        .await
        .ok(200);
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["email"], "c3@example.com");
    assert_eq!(found["pagination"]["next"], "");
    let tagged = t
        .v2(POST, "/contact/list", &token, Some(json!({"search": "", "timezone": "UTC",
            "filter": {"$and": [{"category": "contactTag", "field": null, "operator": "hasAnyOf", "value": ["premium"]}]}})))
        .await
        .ok(200);
    assert_eq!(tagged["items"].as_array().unwrap().len(), 1);
    assert_eq!(tagged["items"][0]["id"], id);
    t.v2(
        POST,
        "/contact/list",
        &token,
        Some(json!({"filter": {"$and": [
        {"category": "lifecycle", "field": null, "operator": "isEqualTo", "value": "Lead"}]}})),
    )
    .await
    .v2_err(400);
    t.v2(POST, "/contact/list?limit=500", &token, Some(json!({})))
        .await
        .v2_err(400);

    // Delete: gone on v1 too.
    let gone = t
        .v2(DELETE, &format!("/contact/id:{id}"), &token, None)
        .await
        .ok(200);
    assert_eq!(gone, json!({"contactId": id}));
    t.get(&format!("/contacts/{id}"), &t.owner)
        .await
        .err(404, "not_found");
    t.v2(GET, &format!("/contact/id:{id}"), &token, None)
        .await
        .v2_err(404);
}

#[tokio::test]
async fn messages_go_out_to_the_provider_as_sent_by_the_token_and_read_back() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    let contact = t
        .incoming(&ch, "+34600111222", "m1", "¿Tienen talla M?")
        .await;
    let token = t.api_token("Shopify").await;
    let who = format!("id:{contact}");

    // Text, as n8n sends it with "Last Interacted Channel" (no channelId).
    let sent = t
        .v2(
            POST,
            &format!("/contact/{who}/message"),
            &token,
            Some(json!({"message": {"type": "text", "text": "Sí, la tenemos"}})),
        )
        .await
        .ok(200);
    let message_id = sent["messageId"].as_i64().unwrap();
    // A quick reply goes out as text; an attachment by URL is fetched and sent as a file.
    t.v2(POST, &format!("/contact/{who}/message"), &token,
        Some(json!({"channelId": ch.id.parse::<i64>().unwrap(),
                    "message": {"type": "quick_reply", "title": "Which size?", "replies": ["S", "M"]}})))
        .await
        .ok(200);
    let png =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    let url = provider.serve_file("size-chart.png", "image/png", png);
    t.v2(
        POST,
        &format!("/contact/{who}/message"),
        &token,
        Some(
            json!({"message": {"type": "attachment", "attachment": {"type": "image", "url": url}}}),
        ),
    )
    .await
    .ok(200);
    let msg = t
        .v2(
            POST,
            &format!("/contact/{who}/message"),
            &token,
            Some(json!({"message": {"type": "whatsapp_template", "template": {"name": "x"}}})),
        )
        .await
        .v2_err(400);
    assert!(msg.contains("not supported"), "{msg}");
    t.v2(POST, &format!("/contact/{who}/message"), &token,
        Some(json!({"message": {"type": "attachment", "attachment": {"type": "image", "url": format!("{}/files/missing.png", provider.base)}}})))
        .await
        .v2_err(400);

    let tl = t
        .eventually(&contact, "three sent", |tl| {
            tl.iter()
                .filter(|m| m["direction"] == "outgoing" && m["delivery"] == "sent")
                .count()
                == 3
        })
        .await;
    let out: Vec<_> = tl.iter().filter(|m| m["direction"] == "outgoing").collect();
    for m in &out {
        assert_eq!(m["sender"]["kind"], "api", "{m}");
        assert_eq!(m["sender"]["name"], "Shopify");
    }
    assert_eq!(out[1]["text"], "Which size?\n1. S\n2. M");
    assert_eq!(out[2]["attachments"][0]["name"], "size-chart.png");
    let bodies: Vec<Value> = provider
        .received()
        .into_iter()
        .map(|r| r.body["message"].clone())
        .collect();
    assert_eq!(bodies[0], json!({"type": "text", "text": "Sí, la tenemos"}));
    assert_eq!(bodies[2]["attachment"]["type"], "image");
    // The token does not take the contact, and its reply is not a user's first response.
    let c = t
        .get(&format!("/contacts/{contact}"), &t.owner)
        .await
        .ok(200);
    assert!(c["assignee_id"].is_null(), "{c}");
    let conversations = t
        .get(&format!("/contacts/{contact}/conversations"), &t.owner)
        .await
        .ok(200);
    assert!(
        conversations[0]["first_response_at"].is_null(),
        "{conversations}"
    );

    // Get one, list them newest first with pagination.
    let got = t
        .v2(
            GET,
            &format!("/contact/{who}/message/{message_id}"),
            &token,
            None,
        )
        .await
        .ok(200);
    assert_eq!(got["messageId"], message_id);
    assert_eq!(got["contactId"].to_string(), contact);
    assert_eq!(got["traffic"], "outgoing");
    assert_eq!(
        got["message"],
        json!({"type": "text", "text": "Sí, la tenemos"})
    );
    assert_eq!(got["sender"]["source"], "api");
    assert_eq!(got["status"][0]["value"], "sent");
    t.v2(GET, &format!("/contact/{who}/message/999999"), &token, None)
        .await
        .v2_err(404);
    let all = t
        .v2_all(
            GET,
            &format!("/contact/{who}/message/list?limit=2"),
            &token,
            None,
        )
        .await;
    let traffic: Vec<_> = all.iter().map(|m| m["traffic"].as_str().unwrap()).collect();
    assert_eq!(traffic, ["outgoing", "outgoing", "outgoing", "incoming"]);
    assert_eq!(all[3]["message"]["text"], "¿Tienen talla M?");
    assert_eq!(all[0]["message"]["type"], "attachment");

    // A message of another contact is not found through this one.
    let other = t.incoming(&ch, "+34600333444", "m2", "Hola").await;
    let theirs = t.timeline(&other, &t.owner).await;
    let theirs = theirs
        .iter()
        .find(|m| m["direction"] == "incoming")
        .unwrap();
    t.v2(
        GET,
        &format!("/contact/{who}/message/{}", theirs["id"].as_str().unwrap()),
        &token,
        None,
    )
    .await
    .v2_err(404);
}

#[tokio::test]
async fn conversations_are_assigned_closed_with_a_note_reopened_and_commented_as_n8n_sends_it() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    let contact = t.incoming(&ch, "+1555", "m1", "Refund please").await;
    let (alice_id, _) = t.user("Alice Agent", "agent").await;
    t.post(
        "/closing-note-categories",
        &t.owner,
        json!({"name": "Resolved", "description": "Done"}),
    )
    .await
    .ok(201);
    let token = t.api_token("Zapier").await;
    let who = "phone:+1555";

    // Assign by id (a number, as n8n sends it), by email, unassign with null.
    let path = format!("/contact/{who}/conversation/assignee");
    t.v2(
        POST,
        &path,
        &token,
        Some(json!({"assignee": alice_id.parse::<i64>().unwrap()})),
    )
    .await
    .ok(200);
    assert_eq!(
        t.get(&format!("/contacts/{contact}"), &t.owner)
            .await
            .ok(200)["assignee_id"],
        alice_id
    );
    let alice = t.get("/users", &t.owner).await.ok(200);
    let alice_email = alice
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == alice_id)
        .unwrap()["email"]
        .clone();
    t.v2(POST, &path, &token, Some(json!({"assignee": null})))
        .await
        .ok(200);
    assert!(
        t.get(&format!("/contacts/{contact}"), &t.owner)
            .await
            .ok(200)["assignee_id"]
            .is_null()
    );
    t.v2(POST, &path, &token, Some(json!({"assignee": alice_email})))
        .await
        .ok(200);
    assert_eq!(
        t.get(&format!("/contacts/{contact}"), &t.owner)
            .await
            .ok(200)["assignee_id"],
        alice_id
    );
    t.v2(POST, &path, &token, Some(json!({"assignee": 999999})))
        .await
        .v2_err(400);
    let tl = t.timeline(&contact, &t.owner).await;
    let assigned = tl
        .iter()
        .rev()
        .find(|m| m["activity"]["kind"] == "assigned")
        .unwrap();
    assert_eq!(
        assigned["activity"]["actor"],
        json!({"kind": "api", "id": "1", "name": "Zapier"})
    );

    // Close with a closing note, then open again (n8n sends all three keys, empty when unset).
    let status = format!("/contact/{who}/conversation/status");
    t.v2(
        POST,
        &status,
        &token,
        Some(json!({"status": "close", "category": "Resolved", "summary": "Refund sent"})),
    )
    .await
    .ok(200);
    let c = t
        .get(&format!("/contacts/{contact}"), &t.owner)
        .await
        .ok(200);
    assert!(c["open_conversation_id"].is_null());
    let conversations = t
        .get(&format!("/contacts/{contact}/conversations"), &t.owner)
        .await
        .ok(200);
    assert_eq!(
        conversations[0]["closing_note"],
        json!({"category": "Resolved", "summary": "Refund sent"})
    );
    assert_eq!(conversations[0]["closed_by"]["kind"], "api");
    assert_eq!(
        t.v2(GET, &format!("/contact/{who}"), &token, None)
            .await
            .ok(200)["status"],
        "close"
    );
    t.v2(
        POST,
        &status,
        &token,
        Some(json!({"status": "open", "category": "", "summary": ""})),
    )
    .await
    .ok(200);
    assert_eq!(
        t.v2(GET, &format!("/contact/{who}"), &token, None)
            .await
            .ok(200)["status"],
        "open"
    );
    // Asking for the state it is in changes nothing.
    t.v2(
        POST,
        &status,
        &token,
        Some(json!({"status": "open", "category": "", "summary": ""})),
    )
    .await
    .ok(200);
    t.v2(POST, &status, &token, Some(json!({"status": "snoozed"})))
        .await
        .v2_err(400);
    // The workspace's closing-note rule applies as on v1.
    t.patch(
        "/settings",
        &t.owner,
        json!({"closing_note_mode": "category_required"}),
    )
    .await
    .ok(200);
    t.v2(
        POST,
        &status,
        &token,
        Some(json!({"status": "close", "category": "", "summary": ""})),
    )
    .await
    .v2_err(422);

    // Comments, mentions written as respond.io writes them.
    let comment = t
        .v2(
            POST,
            &format!("/contact/{who}/comment"),
            &token,
            Some(json!({"text": format!("Check with {{{{@user.{alice_id}}}}}")})),
        )
        .await
        .ok(200);
    assert_eq!(comment["contactId"].to_string(), contact);
    assert!(comment["created_at"].as_i64().unwrap() < 10_000_000_000);
    let comments = t
        .get(&format!("/contacts/{contact}/comments"), &t.owner)
        .await
        .ok(200);
    let last = comments.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["text"], "Check with @Alice Agent");
    assert_eq!(last["mentions"], json!([alice_id]));
    assert_eq!(last["author"]["kind"], "api");
    t.v2(
        POST,
        &format!("/contact/{who}/comment"),
        &token,
        Some(json!({"text": "x".repeat(1001)})),
    )
    .await
    .v2_err(400);
}

#[tokio::test]
async fn the_workspace_lists_page_to_the_end_with_absolute_links() {
    let t = TestServer::start().await;
    for n in 0..4 {
        t.user(&format!("Agent {n}"), "agent").await;
    }
    t.channel("WhatsApp", true, None).await;
    t.channel("Telegram", false, None).await;
    t.post(
        "/closing-note-categories",
        &t.owner,
        json!({"name": "Resolved", "description": "Done"}),
    )
    .await
    .ok(201);
    let token = t.api_token("Make").await;

    let users = t.v2_all(GET, "/space/user?limit=2", &token, None).await;
    assert_eq!(users.len(), 5);
    assert_eq!(users[0]["role"], "owner");
    assert_eq!(users[0]["firstName"], "Olivia");
    assert_eq!(users[0]["lastName"], "Owner");
    let page = t.v2(GET, "/space/user?limit=2", &token, None).await.ok(200);
    let next = page["pagination"]["next"].as_str().unwrap();
    assert!(
        next.starts_with(&format!(
            "{}/v2/space/user?limit=2&cursorId=",
            t.server.base_url()
        )),
        "{next}"
    );
    let one = t
        .v2(
            GET,
            &format!("/space/user/{}", users[1]["id"]),
            &token,
            None,
        )
        .await
        .ok(200);
    assert_eq!(one, users[1]);
    t.v2(GET, "/space/user/999999", &token, None)
        .await
        .v2_err(404);
    t.v2(GET, "/space/user/abc", &token, None).await.v2_err(400);

    let channels = t.v2_all(GET, "/space/channel?limit=1", &token, None).await;
    let names: Vec<_> = channels
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["WhatsApp", "Telegram"]);
    assert_eq!(channels[0]["source"], "custom_channel");
    let notes = t.v2_all(GET, "/space/closing_notes", &token, None).await;
    assert_eq!(notes[0]["category"], "Resolved");
    assert_eq!(notes[0]["description"], "Done");

    t.v2(GET, "/space/user?limit=0", &token, None)
        .await
        .v2_err(400);
    t.v2(GET, "/space/user?cursorId=-1", &token, None)
        .await
        .v2_err(400);
}

#[tokio::test]
async fn a_contacts_channels_and_merge() {
    let t = TestServer::start().await;
    let wa = t.channel("WhatsApp", true, None).await;
    let tg = t.channel("Telegram", false, None).await;
    let a = t.incoming(&wa, "+1555", "m1", "hi").await;
    let b = t.incoming(&tg, "tg-55", "m1", "hi again").await;
    let token = t.api_token("n8n").await;

    let merged = t
        .v2(POST, "/contact/merge", &token,
            Some(json!({"contactIds": [a.parse::<i64>().unwrap(), b.parse::<i64>().unwrap()], "email": "one@example.com"})))
        .await
        .ok(200);
    assert_eq!(merged["contactId"].to_string(), a);
    t.get(&format!("/contacts/{b}"), &t.owner)
        .await
        .err(404, "not_found");
    assert_eq!(
        t.get(&format!("/contacts/{a}"), &t.owner).await.ok(200)["email"],
        "one@example.com"
    );
    let channels = t
        .v2_all(
            GET,
            &format!("/contact/id:{a}/channels?limit=1"),
            &token,
            None,
        )
        .await;
    let names: Vec<_> = channels
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["WhatsApp", "Telegram"]);
    assert_eq!(channels[1]["meta"], json!({"contactId": "tg-55"}));
    t.v2(
        POST,
        "/contact/merge",
        &token,
        Some(json!({"contactIds": [1]})),
    )
    .await
    .v2_err(400);
}

#[tokio::test]
async fn bad_requests_get_the_v2_error_shape_and_the_document_lists_every_route() {
    let t = TestServer::start().await;
    let token = t.api_token("scripts").await;
    let res = t
        .http
        .post(format!(
            "{}/v2/contact/email:x@example.com",
            t.server.base_url()
        ))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], 400);
    assert!(
        body["message"].as_str().unwrap().contains("not valid JSON"),
        "{body}"
    );
    t.v2(GET, "/nothing/here", &token, None).await.v2_err(404);
    t.v2(PUT, "/space/user", &token, None).await.v2_err(405);

    let doc = t.v2(GET, "/openapi.json", &token, None).await.ok(200);
    assert_eq!(doc["servers"][0]["url"], "/v2");
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            operations += 1;
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let url = path
                .replace("{identifier}", "id:999999")
                .replace("{messageId}", "1")
                .replace("{id}", "1");
            let body = matches!(m, Method::POST | Method::PUT | Method::DELETE).then(|| json!({}));
            let a = t.v2(m, &url, &token, body).await;
            let message = a.body["message"].as_str().unwrap_or_default();
            assert!(
                !message.starts_with("The route"),
                "{method} {path} is documented but not routed"
            );
        }
    }
    assert_eq!(operations, 23, "{paths:#?}");
}

#[tokio::test]
async fn custom_fields_are_defined_as_n8n_sends_them_and_contacts_hold_typed_values() {
    let t = TestServer::start().await;
    let token = t.api_token("n8n").await;

    // n8n always sends allowedValues, slug and description, empty when unset.
    let plan = t
        .v2(
            POST,
            "/space/custom_field",
            &token,
            Some(json!({"name": "Plan", "description": "",
            "dataType": "list", "allowedValues": ["Gold", "Silver"], "slug": ""})),
        )
        .await
        .ok(200);
    assert_eq!(plan["slug"], "plan");
    assert_eq!(plan["dataType"], "list");
    assert_eq!(
        plan["allowedValues"],
        json!({"listValues": ["Gold", "Silver"]})
    );
    let seats = t
        .v2(
            POST,
            "/space/custom_field",
            &token,
            Some(json!({"name": "Seats", "description": "Licensed seats",
            "dataType": "number", "allowedValues": [], "slug": "seat_count"})),
        )
        .await
        .ok(200);
    t.v2(
        POST,
        "/space/custom_field",
        &token,
        Some(json!({"name": "Renewal", "dataType": "date",
        "allowedValues": [], "slug": "", "description": ""})),
    )
    .await
    .ok(200);
    t.v2(
        POST,
        "/space/custom_field",
        &token,
        Some(json!({"name": "Plan", "dataType": "text", "slug": ""})),
    )
    .await
    .v2_err(409);
    t.v2(
        POST,
        "/space/custom_field",
        &token,
        Some(json!({"name": "Tier", "dataType": "list", "allowedValues": []})),
    )
    .await
    .v2_err(400);
    t.v2(
        POST,
        "/space/custom_field",
        &token,
        Some(json!({"name": "X", "dataType": "colour"})),
    )
    .await
    .v2_err(400);
    let listed = t
        .v2_all(GET, "/space/custom_field?limit=2", &token, None)
        .await;
    assert_eq!(listed.len(), 3);
    let one = t
        .v2(
            GET,
            &format!("/space/custom_field/{}", seats["id"]),
            &token,
            None,
        )
        .await
        .ok(200);
    assert_eq!(one["slug"], "seat_count");
    assert_eq!(one["description"], "Licensed seats");
    t.v2(GET, "/space/custom_field/999999", &token, None)
        .await
        .v2_err(404);

    // Values by slug (n8n), by name (the SDK's examples); typed on the way out.
    let created = t
        .v2(
            POST,
            "/contact/email:lee@example.com",
            &token,
            Some(json!({"firstName": "Lee",
            "custom_fields": [{"name": "plan", "value": "gold"}, {"name": "Seats", "value": 12},
                              {"name": "renewal", "value": "2027-01-31"}]})),
        )
        .await
        .ok(200);
    let id = created["contactId"].clone();
    let c = t
        .v2(GET, &format!("/contact/id:{id}"), &token, None)
        .await
        .ok(200);
    assert_eq!(
        c["custom_fields"],
        json!([{"name": "Plan", "value": "Gold"}, {"name": "Seats", "value": 12.0},
               {"name": "Renewal", "value": "2027-01-31"}])
    );
    let v1 = contact_v1(&t, &id).await;
    assert_eq!(
        v1["custom_fields"],
        json!({"plan": "Gold", "seat_count": "12", "renewal": "2027-01-31"})
    );
    for bad in [
        json!([{"name": "plan", "value": "Bronze"}]),
        json!([{"name": "renewal", "value": "31/01/2027"}]),
        json!([{"name": "seats", "value": "many"}]),
    ] {
        t.v2(
            PUT,
            &format!("/contact/id:{id}"),
            &token,
            Some(json!({"custom_fields": bad})),
        )
        .await
        .v2_err(400);
    }
    // null clears one; the others stay.
    t.v2(
        PUT,
        &format!("/contact/id:{id}"),
        &token,
        Some(json!({"custom_fields": [{"name": "renewal", "value": null}]})),
    )
    .await
    .ok(200);
    assert_eq!(
        contact_v1(&t, &id).await["custom_fields"],
        json!({"plan": "Gold", "seat_count": "12"})
    );
    // Filters and snippets read them; v1 edits them too.
    let found = t
        .v2(POST, "/contact/list", &token, Some(json!({"search": "", "timezone": "UTC", "filter": {"$and": [
            {"category": "contactField", "field": "plan", "operator": "isEqualTo", "value": "gold"}]}})))
        .await
        .ok(200);
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    t.patch(
        &format!("/contacts/{id}"),
        &t.owner,
        json!({"custom_fields": {"plan": "Silver"}}),
    )
    .await
    .ok(200);
    let snippet = t
        .post("/snippets", &t.owner, json!({"name": "Plan", "shortcut": "plan", "text": "Your {{contact.plan}} plan, {{contact.seat_count}} seats"}))
        .await
        .ok(201);
    let rendered = t
        .post(
            &format!("/snippets/{}/render", snippet["id"].as_str().unwrap()),
            &t.owner,
            json!({"contact_id": id.to_string()}),
        )
        .await
        .ok(200);
    assert_eq!(rendered["text"], "Your Silver plan, 12 seats");
    // Everyone sees the definitions (and they come with the snapshot); agents define none.
    let (_, agent) = t.user("Alice Agent", "agent").await;
    assert_eq!(
        t.get("/custom-fields", &agent)
            .await
            .ok(200)
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        t.get("/snapshot", &agent).await.ok(200)["custom_fields"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    t.post(
        "/custom-fields",
        &agent,
        json!({"name": "Mine", "data_type": "text"}),
    )
    .await
    .err(403, "forbidden");
}

#[tokio::test]
async fn the_identifier_names_the_contact_and_a_contact_made_ahead_is_the_one_who_writes_in() {
    let t = TestServer::start().await;
    let provider = Provider::start().await;
    let ch = t.channel("WhatsApp", true, Some(&provider.base)).await;
    let token = t.api_token("CRM sync").await;

    // An empty (or other) address in the body does not replace the identifier's: the next
    // create-or-update finds the same contact.
    let path = "/contact/create_or_update/email:mary@example.com";
    let first = t
        .v2(
            POST,
            path,
            &token,
            Some(json!({"firstName": "Mary Ann", "lastName": "Smith", "email": ""})),
        )
        .await
        .ok(200);
    let again = t
        .v2(
            POST,
            path,
            &token,
            Some(json!({"lastName": "Jones", "email": "other@example.com"})),
        )
        .await
        .ok(200);
    assert_eq!(first["contactId"], again["contactId"]);
    let id = first["contactId"].clone();
    let v1 = contact_v1(&t, &id).await;
    assert_eq!(v1["email"], "other@example.com", "an update may change it");
    // A first name of two words stays one; an update of the last name keeps it.
    assert_eq!(v1["first_name"], "Mary Ann");
    assert_eq!(v1["name"], "Mary Ann Jones");
    let c = t
        .v2(GET, &format!("/contact/id:{id}"), &token, None)
        .await
        .ok(200);
    assert_eq!(
        (c["firstName"].as_str(), c["lastName"].as_str()),
        (Some("Mary Ann"), Some("Jones"))
    );
    // Empty name parts are not given.
    t.v2(
        PUT,
        &format!("/contact/id:{id}"),
        &token,
        Some(json!({"firstName": "", "lastName": ""})),
    )
    .await
    .ok(200);
    assert_eq!(contact_v1(&t, &id).await["name"], "Mary Ann Jones");

    // A phone is found by its digits, however it was written.
    let made = t
        .v2(
            POST,
            "/contact/phone:+34 600 123 456",
            &token,
            Some(json!({"firstName": "Pablo"})),
        )
        .await
        .ok(200);
    let found = t
        .v2(GET, "/contact/phone:34600123456", &token, None)
        .await
        .ok(200);
    assert_eq!(found["id"], made["contactId"]);
    // When that person writes in, it is the contact made ahead, not a second one.
    t.webhook(
        &ch,
        json!({"channelId": ch.id, "contactId": "+34600123456", "contact": {"firstName": "P."},
               "events": [{"type": "message", "mId": "w1", "timestamp": 1, "message": {"type": "text", "text": "Hola"}}]}),
    )
    .await
    .ok(200);
    let page = t
        .get("/contacts?status=any&limit=50", &t.owner)
        .await
        .ok(200);
    let pablos: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["phone"] == "+34 600 123 456" || c["channels"].to_string().contains("+34600123456")
        })
        .collect();
    assert_eq!(pablos.len(), 1, "{page}");
    assert_eq!(pablos[0]["id"], made["contactId"].to_string());
    assert_eq!(pablos[0]["name"], "Pablo", "what was set ahead is kept");
    // And a reply through the API now reaches the channel.
    t.v2(
        POST,
        &format!("/contact/id:{}/message", made["contactId"]),
        &token,
        Some(json!({"message": {"type": "text", "text": "¡Hola Pablo!"}})),
    )
    .await
    .ok(200);
}

#[tokio::test]
async fn custom_field_slugs_are_lower_case_names_unique_and_the_contacts_own_fields_reserved() {
    let t = TestServer::start().await;
    let token = t.api_token("n8n").await;
    let made = t
        .v2(
            POST,
            "/space/custom_field",
            &token,
            Some(json!({"name": "Order ID", "dataType": "text", "slug": "Order_ID"})),
        )
        .await
        .ok(200);
    assert_eq!(made["slug"], "order_id");
    t.v2(
        POST,
        "/space/custom_field",
        &token,
        Some(json!({"name": "order id", "dataType": "number"})),
    )
    .await
    .v2_err(409);
    for slug in ["email", "first_name", "countryCode", "status"] {
        let msg = t
            .v2(
                POST,
                "/space/custom_field",
                &token,
                Some(json!({"name": format!("My {slug}"), "dataType": "text", "slug": slug})),
            )
            .await
            .v2_err(400);
        assert!(msg.contains("every contact has"), "{slug}: {msg}");
    }
}

/// Hostile inputs on every documented operation: odd identifiers, odd queries, bodies of the
/// wrong shape. Nothing answers 5xx, and every refusal has the v2 error shape.
#[tokio::test]
async fn hostile_inputs_on_every_operation_get_clear_v2_refusals() {
    let t = TestServer::start().await;
    let ch = t.channel("WhatsApp", true, None).await;
    t.incoming(&ch, "+15550001", "m1", "hi").await;
    let token = t.api_token("fuzz").await;
    let doc = t.v2(GET, "/openapi.json", &token, None).await.ok(200);
    let long = "9".repeat(5000);
    let identifiers = [
        "id:-1".to_owned(),
        "id:١٢٣".to_owned(),
        "id:99999999999999999999999".to_owned(),
        "email:%00@x".to_owned(),
        "phone:%2B%2B%2B".to_owned(),
        format!("phone:{long}"),
        "%F0%9F%92%A9:1".to_owned(),
        "email:".to_owned(),
    ];
    let queries = [
        "?limit=abc",
        "?cursorId=1e99",
        "?limit=-5&cursorId=0",
        "?limit=100&cursorId=9223372036854775807",
    ];
    let bodies = [
        json!([]),
        json!("text"),
        json!({"message": 5, "status": [], "assignee": {"x": 1}, "contactIds": "1,2", "text": null}),
        json!({"firstName": long, "custom_fields": [{"name": "", "value": {"nested": true}}]}),
        json!({"filter": {"$and": [{"category": "contactField", "field": "email", "operator": "isEqualTo", "value": [[]]}]}}),
    ];
    let mut tried = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut urls: Vec<String> = identifiers
                .iter()
                .map(|i| {
                    path.replace("{identifier}", i)
                        .replace("{messageId}", "1")
                        .replace("{id}", "1")
                })
                .collect();
            let plain = path
                .replace("{identifier}", "phone:+15550001")
                .replace("{messageId}", "-3")
                .replace("{id}", "x%00");
            urls.extend(queries.iter().map(|q| format!("{plain}{q}")));
            for url in urls {
                for body in bodies.iter().map(Some).chain([None]) {
                    tried += 1;
                    let a = t.v2(m.clone(), &url, &token, body.cloned()).await;
                    assert!(
                        a.status < 500,
                        "{method} {url} {body:?}: {} {}",
                        a.status,
                        a.body
                    );
                    if a.status >= 400 {
                        assert_eq!(a.body["code"], a.status, "{method} {url}: {}", a.body);
                        assert!(
                            a.body["message"].as_str().is_some_and(|m| !m.is_empty()),
                            "{method} {url}: {}",
                            a.body
                        );
                    }
                }
            }
        }
    }
    assert!(tried > 1500, "{tried}");
}
