//! Notifications and the unread count through the desktop app: a message on a contact assigned
//! to me raises a notification on the session's real daemon (dunst); clicking it (dunstctl's
//! default action, as a click does) opens that conversation; the window title carries the
//! unread count until it is read.
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::Duration;

use messenger_e2e::workspace::Workspace;
use messenger_e2e::{DesktopApp, ServerProcess, artifacts, require_desktop};

const ADA: (&str, &str, &str, &str) = ("ada@example.com", "Ada Agent", "ada-password", "agent");
const LONG: Duration = Duration::from_secs(30);

/// The names of the X windows on the session's display.
fn window_titles() -> String {
    Command::new("xwininfo")
        .args(["-root", "-tree"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

fn dunstctl(args: &[&str]) -> String {
    Command::new("dunstctl")
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

#[test]
fn a_notification_click_opens_the_conversation_and_the_title_counts_unread() {
    require_desktop!();
    let artifacts = artifacts::dir_for("desktop_notifications");
    let data = tempfile::tempdir().unwrap();
    Workspace::add_users(data.path(), &[ADA]).unwrap();
    let server = ServerProcess::start(data.path(), &artifacts.join("server.log")).unwrap();
    let ws = Workspace::open(&server.base_url, "WhatsApp", false, None).unwrap();
    let ada = ws.user_id(ADA.0).unwrap();
    ws.incoming("wa-1", "Nora", "n-1", "First question")
        .unwrap();
    ws.incoming("wa-2", "Omar", "o-1", "Another contact")
        .unwrap();
    let nora = ws.contact_by_external("wa-1").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let omar = ws.contact_by_external("wa-2").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ws.assign(&nora, Some(&ada)).unwrap();

    let agent_data = tempfile::tempdir().unwrap();
    let app = DesktopApp::start(&artifacts, agent_data.path(), &server.base_url).unwrap();
    let wd = app.wd();
    wd.fill(&wd.testid("login-email").unwrap(), ADA.0).unwrap();
    wd.fill(&wd.testid("login-password").unwrap(), ADA.2)
        .unwrap();
    wd.click(&wd.testid("login-submit").unwrap()).unwrap();
    // Look at another contact, so Nora's news is not on screen.
    let other = wd
        .wait(
            &format!("[data-testid=\"contact-item\"][data-contact-id=\"{omar}\"]"),
            LONG,
        )
        .unwrap();
    wd.click(&other).unwrap();
    dunstctl(&["close-all"]);

    ws.incoming("wa-1", "Nora", "n-2", "Are you there?")
        .unwrap();
    wd.until("the window title counts the unread message", LONG, || {
        Ok(window_titles().contains("IS-Messenger (").then_some(()))
    })
    .unwrap();
    wd.until("a notification is shown", LONG, || {
        Ok((dunstctl(&["count", "displayed"]) != "0").then_some(()))
    })
    .unwrap();
    dunstctl(&["action", "0"]);
    wd.wait(
        &format!("[data-testid=\"conversation-header\"][data-contact-id=\"{nora}\"]"),
        LONG,
    )
    .unwrap();
    wd.until("the title drops the count once read", LONG, || {
        let titles = window_titles();
        Ok((titles.contains("\"IS-Messenger\"")).then_some(()))
    })
    .unwrap();
}
