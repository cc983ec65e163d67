//! The whole agent day through the real desktop app (WebKit under Xvfb, driven by WebDriver)
//! against a real server: a contact writes in, the agent replies, uses a snippet, attaches a
//! file, comments, reassigns, closes with a mandatory closing note; the contact writes again;
//! then the server goes away, the agent reads, searches and replies offline, and the reply is
//! delivered once when the server is back.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_e2e::provider::Provider;
use messenger_e2e::webdriver::{CONTROL, ENTER, SHIFT, WebDriver};
use messenger_e2e::workspace::Workspace;
use messenger_e2e::{DesktopApp, ServerProcess, artifacts, require_desktop};
use serde_json::{Value, json};

const SAM: (&str, &str, &str, &str) = ("sam@example.com", "Sam Support", "sam-password", "agent");
const BOB: (&str, &str, &str, &str) = ("bob@example.com", "Bob Backup", "bob-password", "agent");
const LONG: Duration = Duration::from_secs(30);

/// What the timeline shows: (message id, direction, delivery, text).
fn messages_on_screen(wd: &WebDriver) -> Vec<(String, String, String, String)> {
    let list = wd
        .execute(
            "return [...document.querySelectorAll('[data-testid=\"message\"]')].map(m => \
             [m.dataset.messageId, m.dataset.direction, m.dataset.delivery, m.innerText])",
            json!([]),
        )
        .unwrap_or(Value::Null);
    list.as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let s = |i: usize| m[i].as_str().unwrap_or_default().to_owned();
            (s(0), s(1), s(2), s(3))
        })
        .collect()
}

fn wait_message(wd: &WebDriver, text: &str, delivery: Option<&str>) -> (String, String) {
    wd.until(
        &format!("a message {text:?} ({delivery:?}) on screen"),
        LONG,
        || {
            Ok(messages_on_screen(wd)
                .into_iter()
                .find(|(_, _, d, t)| t.contains(text) && delivery.is_none_or(|want| d == want))
                .map(|(id, _, d, _)| (id, d)))
        },
    )
    .unwrap()
}

fn testid_attr(wd: &WebDriver, id: &str, attr: &str) -> String {
    let e = wd.testid(id).unwrap();
    wd.attr(&e, attr).unwrap().unwrap_or_default()
}

fn contact_row(id: &str) -> String {
    format!("[data-testid=\"contact-item\"][data-contact-id=\"{id}\"]")
}

fn server_texts(ws: &Workspace, contact: &str) -> Vec<String> {
    ws.messages(contact)
        .unwrap()
        .iter()
        .filter(|m| m["direction"] != "activity")
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn the_whole_agent_day() {
    require_desktop!();
    let artifacts = artifacts::dir_for("the_whole_agent_day");
    let data = tempfile::tempdir().unwrap();
    Workspace::add_users(data.path(), &[SAM, BOB]).unwrap();
    let mut server = ServerProcess::start(data.path(), &artifacts.join("server.log")).unwrap();
    let listen = server.listen_addr().to_owned();
    let provider = Provider::start().unwrap();
    let ws = Workspace::open(
        &server.base_url,
        "WhatsApp",
        true,
        Some(&provider.outbound_url),
    )
    .unwrap();
    ws.patch(
        "/settings",
        json!({"closing_note_mode": "category_required"}),
    )
    .unwrap();
    ws.post(
        "/closing-note-categories",
        json!({"name": "Resolved", "description": "The question was answered."}),
    )
    .unwrap();
    ws.post(
        "/snippets",
        json!({"name": "Thanks", "shortcut": "thanks", "text": "Thanks {{contact.first_name}}, we are on it!"}),
    )
    .unwrap();
    let sam_id = ws.user_id(SAM.0).unwrap();
    let bob_id = ws.user_id(BOB.0).unwrap();

    let agent_data = tempfile::tempdir().unwrap();
    let mut app = DesktopApp::start(&artifacts, agent_data.path(), &server.base_url).unwrap();
    let wd = app.wd();
    wd.fill(&wd.testid("login-email").unwrap(), SAM.0).unwrap();
    wd.fill(&wd.testid("login-password").unwrap(), SAM.2)
        .unwrap();
    wd.click(&wd.testid("login-submit").unwrap()).unwrap();
    wd.click(&wd.testid("view-unassigned").unwrap()).unwrap();

    // 1. A contact writes in: it appears live in Unassigned.
    ws.incoming(
        "wa-maria",
        "Maria",
        "in-1",
        "Hello, my order has not arrived",
    )
    .unwrap();
    let maria = ws.contact_by_external("wa-maria").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let row = wd.wait(&contact_row(&maria), LONG).unwrap();
    wd.click(&row).unwrap();
    wait_message(wd, "Hello, my order has not arrived", None);
    app.screenshot("new-contact").unwrap();
    let wd = app.wd();

    // 2. Reply with Enter: the contact is assigned to me.
    let input = wd.testid("composer-input").unwrap();
    wd.type_text(&input, &format!("Hi Maria, let me check.{ENTER}"))
        .unwrap();
    wait_message(wd, "Hi Maria, let me check.", Some("sent"));
    ws.eventually("the reply assigns Sam", LONG, || {
        let c = ws.contact(&maria)?;
        Ok((c["assignee_id"] == sam_id.as_str()).then_some(()))
    })
    .unwrap();
    wd.until("the header shows Sam as assignee", LONG, || {
        Ok((testid_attr(wd, "assignee-select", "data-assignee-id") == sam_id).then_some(()))
    })
    .unwrap();
    // Maria left Unassigned: the app says where she went and keeps her conversation open.
    wd.wait_text(".toast", LONG, |t| {
        t.contains("Maria is assigned to you now: it shows in Mine.")
    })
    .unwrap();
    wd.until("Maria leaves the Unassigned list", LONG, || {
        Ok(wd.try_find(&contact_row(&maria))?.is_none().then_some(()))
    })
    .unwrap();
    wd.testid("composer-input").unwrap();

    // 3. A snippet by its shortcut, variables filled.
    wd.type_text(&input, "/thanks").unwrap();
    wd.testid("snippet-suggestions").unwrap();
    wd.type_text(&input, ENTER).unwrap();
    wd.wait_value(
        "[data-testid=\"composer-input\"]",
        "Thanks Maria, we are on it!",
        LONG,
    )
    .unwrap();
    wd.type_text(&input, ENTER).unwrap();
    wait_message(wd, "Thanks Maria, we are on it!", Some("sent"));

    // 4. A file, attached through the file picker, uploaded before its message.
    let file = artifacts.join("tracking-label.txt");
    std::fs::write(&file, "Tracking number: 1Z999AA10123456784\n").unwrap();
    let picker = wd.testid("composer-file-input").unwrap();
    wd.type_text(&picker, &file.to_string_lossy()).unwrap();
    wd.wait(
        "[data-testid=\"composer-attachment\"][data-ready=\"true\"]",
        LONG,
    )
    .unwrap();
    wd.click(&wd.testid("composer-send").unwrap()).unwrap();
    ws.eventually("the attachment is stored", LONG, || {
        Ok(ws.messages(&maria)?.into_iter().find(|m| {
            m["attachments"][0]["name"] == "tracking-label.txt"
                && m["attachments"][0]["status"] == "ready"
        }))
    })
    .unwrap();
    wd.wait("[data-testid=\"attachment\"][data-status=\"ready\"]", LONG)
        .unwrap();

    // 5. An internal comment.
    wd.click(&wd.testid("composer-mode-comment").unwrap())
        .unwrap();
    let comment = wd.testid("comment-input").unwrap();
    wd.type_text(&comment, &format!("Courier says Tuesday.{ENTER}"))
        .unwrap();
    wd.wait_text("[data-testid=\"comment\"]", LONG, |t| {
        t.contains("Courier says Tuesday.")
    })
    .unwrap();
    ws.eventually("the comment is stored", LONG, || {
        Ok(ws
            .comments(&maria)?
            .into_iter()
            .find(|c| c["text"] == "Courier says Tuesday."))
    })
    .unwrap();
    wd.click(&wd.testid("composer-mode-reply").unwrap())
        .unwrap();

    // 6. Reassign to Bob through the dropdown's search.
    wd.click(&wd.testid("assignee-select").unwrap()).unwrap();
    let search = wd.testid("assignee-search").unwrap();
    wd.type_text(&search, &format!("Bob{ENTER}")).unwrap();
    ws.eventually("Bob is the assignee", LONG, || {
        let c = ws.contact(&maria)?;
        Ok((c["assignee_id"] == bob_id.as_str()).then_some(()))
    })
    .unwrap();

    // 7. Close with the mandatory closing note: refused without a category, then closed.
    wd.click(&wd.testid("conversation-close").unwrap()).unwrap();
    wd.click(&wd.testid("closing-note-submit").unwrap())
        .unwrap();
    wd.wait_text("[data-testid=\"closing-note-error\"]", LONG, |t| {
        t.contains("category")
    })
    .unwrap();
    let category = wd
        .wait(
            "[data-testid=\"closing-note-category\"] option[value=\"Resolved\"]",
            LONG,
        )
        .unwrap();
    wd.click(&category).unwrap();
    wd.type_text(
        &wd.testid("closing-note-summary").unwrap(),
        "Parcel delayed; courier confirmed Tuesday.",
    )
    .unwrap();
    app.screenshot("closing-note").unwrap();
    let wd = app.wd();
    wd.click(&wd.testid("closing-note-submit").unwrap())
        .unwrap();
    wd.testid("conversation-open").unwrap();
    ws.eventually("the conversation is closed with its note", LONG, || {
        Ok(ws.messages(&maria)?.into_iter().find(|m| {
            m["activity"]["kind"] == "conversation_closed"
                && m["activity"]["closing_note"]["category"] == "Resolved"
                && m["activity"]["closing_note"]["summary"]
                    == "Parcel delayed; courier confirmed Tuesday."
        }))
    })
    .unwrap();
    wd.wait_text("[data-testid=\"closing-note\"]", LONG, |t| {
        t.contains("Resolved")
    })
    .unwrap();

    // 8. Maria writes again: a new conversation opens and stays with Bob.
    ws.incoming("wa-maria", "Maria", "in-2", "One more question")
        .unwrap();
    wait_message(wd, "One more question", None);
    wd.testid("conversation-close").unwrap();
    let c = ws.contact(&maria).unwrap();
    assert!(
        c["open_conversation_id"].is_string(),
        "no open conversation: {c}"
    );
    assert_eq!(
        c["assignee_id"],
        bob_id.as_str(),
        "the assignee changed: {c}"
    );
    assert_eq!(
        testid_attr(wd, "assignee-select", "data-assignee-id"),
        bob_id
    );
    app.screenshot("day-done").unwrap();
    let wd = app.wd();

    // 9. The server goes away: the app says so, reads and searches from its cache.
    server.kill();
    wd.testid("offline-banner").unwrap();
    // In plain words, with the next attempt and a Retry; the socket's error only in the tooltip.
    wd.wait_text("[data-testid=\"offline-retry-in\"]", LONG, |t| {
        t.starts_with("Can't reach the server — retrying")
    })
    .unwrap();
    let banner = wd.text(&wd.testid("offline-banner").unwrap()).unwrap();
    assert!(!banner.contains("os error"), "{banner}");
    wd.testid("sync-retry").unwrap();
    assert!(
        messages_on_screen(wd)
            .iter()
            .any(|(_, _, _, t)| t.contains("Hi Maria, let me check.")),
        "the timeline emptied offline"
    );
    wd.click(&wd.testid("view-all").unwrap()).unwrap();
    wd.wait(&contact_row(&maria), LONG).unwrap();
    // No contact is called "courier": the list is empty until a message search is opened.
    let filter = wd.testid("contact-search").unwrap();
    wd.type_text(&filter, "courier").unwrap();
    wd.wait_text("[data-testid=\"contact-list-empty\"]", LONG, |t| {
        t.contains("No contacts match")
    })
    .unwrap();
    wd.chord(&[CONTROL, SHIFT, "f"]).unwrap();
    let query = wd.testid("search-input").unwrap();
    wd.type_text(&query, "courier").unwrap();
    let hit = wd
        .wait(
            "[data-testid=\"search-results\"] [data-testid=\"search-hit\"]",
            LONG,
        )
        .unwrap();
    assert_eq!(
        wd.attr(&hit, "data-contact-id").unwrap().as_deref(),
        Some(maria.as_str())
    );
    app.screenshot("offline-search").unwrap();
    let wd = app.wd();
    wd.click(&hit).unwrap();
    // Leaving search restores the list beside the conversation.
    wd.wait(&contact_row(&maria), LONG).unwrap();
    assert_eq!(wd.value(&wd.testid("contact-search").unwrap()).unwrap(), "");

    // 10. A reply written offline waits in the outbox…
    let input = wd.testid("composer-input").unwrap();
    wd.type_text(&input, &format!("Written on the train.{ENTER}"))
        .unwrap();
    wait_message(wd, "Written on the train.", Some("pending"));
    // The row previews the waiting reply (and sorts by it).
    wd.wait_text(
        &format!(
            "{} [data-testid=\"contact-pending-preview\"]",
            contact_row(&maria)
        ),
        LONG,
        |t| t.contains("You: Written on the train."),
    )
    .unwrap();
    wd.wait_text("[data-testid=\"outbox-count\"]", LONG, |t| {
        t.contains("1 waiting")
    })
    .unwrap();
    app.screenshot("offline-pending").unwrap();
    let wd = app.wd();

    // 11. …and is delivered once when the server is back.
    let server =
        ServerProcess::start_on(data.path(), &artifacts.join("server.log"), &listen).unwrap();
    // Retry reconnects now instead of at the next attempt (the banner may already be gone).
    if let Ok(Some(retry)) = wd.try_find("[data-testid=\"sync-retry\"]") {
        let _ = wd.click(&retry);
    }
    wait_message(wd, "Written on the train.", Some("sent"));
    wd.until("the banner goes", LONG, || {
        Ok(wd
            .try_find("[data-testid=\"offline-banner\"]")?
            .is_none()
            .then_some(()))
    })
    .unwrap();
    wd.wait_text("[data-testid=\"outbox-count\"]", LONG, |t| {
        t.contains("All sent")
    })
    .unwrap();
    // Same address, same data: the owner's session still stands.
    assert_eq!(server.base_url, ws.base_url);
    let sent = server_texts(&ws, &maria)
        .into_iter()
        .filter(|t| t == "Written on the train.")
        .count();
    assert_eq!(sent, 1, "the offline reply was stored {sent} times");
    let delivered = provider
        .received()
        .iter()
        .filter(|m| m["message"]["text"] == "Written on the train.")
        .count();
    assert_eq!(
        delivered, 1,
        "the contact got the offline reply {delivered} times"
    );
}
