//! The README's screenshots, taken from the real app on the demo workspace:
//! `make screenshots` runs this (it is ignored by `make test`) and writes docs/screenshots/.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use messenger_e2e::webdriver::{CONTROL, ESCAPE, SHIFT, WebDriver};
use messenger_e2e::{DesktopApp, ServerProcess, artifacts, require_desktop};

const LONG: Duration = Duration::from_secs(30);

fn out_dir() -> PathBuf {
    let dir = std::env::var_os("MESSENGER_SCREENSHOTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn save(wd: &WebDriver, dir: &Path, name: &str) {
    // Let animations and late images settle.
    std::thread::sleep(Duration::from_millis(600));
    std::fs::write(
        dir.join(format!("{name}.png")),
        wd.screenshot_png().unwrap(),
    )
    .unwrap();
}

fn sign_in(wd: &WebDriver, email: &str) {
    wd.fill(&wd.testid("login-email").unwrap(), email).unwrap();
    wd.fill(&wd.testid("login-password").unwrap(), "demo-password")
        .unwrap();
    wd.click(&wd.testid("login-submit").unwrap()).unwrap();
    wd.wait("[data-testid=\"contact-item\"]", LONG).unwrap();
}

/// The second contact of the list (the first may be one the simulator just created).
fn open_a_busy_contact(wd: &WebDriver) {
    let rows = wd
        .until("two contacts listed", LONG, || {
            let rows = wd.find_all("[data-testid=\"contact-item\"]")?;
            Ok((rows.len() >= 2).then_some(rows))
        })
        .unwrap();
    wd.click(&rows[1]).unwrap();
    wd.wait("[data-testid=\"message\"]", LONG).unwrap();
}

#[test]
#[ignore = "writes docs/screenshots; run with `make screenshots`"]
fn screenshots_of_the_main_screens() {
    require_desktop!();
    let artifacts = artifacts::dir_for("screenshots");
    let out = out_dir();
    let data = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start_demo(data.path(), &artifacts.join("server.log")).unwrap();

    let agent_data = tempfile::tempdir().unwrap();
    let app = DesktopApp::start(&artifacts, agent_data.path(), &server.base_url).unwrap();
    let wd = app.wd();
    sign_in(wd, "manager@demo.example.com");
    open_a_busy_contact(wd);
    wd.chord(&["i"]).unwrap();
    wd.testid("contact-details").unwrap();
    save(wd, &out, "inbox");

    wd.click(&wd.testid("conversation-close").unwrap()).unwrap();
    wd.testid("closing-note-submit").unwrap();
    save(wd, &out, "closing-note");
    wd.chord(&[ESCAPE]).unwrap();

    wd.chord(&[CONTROL, "k"]).unwrap();
    let input = wd.testid("command-palette-input").unwrap();
    wd.type_text(&input, "assign").unwrap();
    save(wd, &out, "command-palette");
    wd.chord(&[ESCAPE]).unwrap();

    wd.chord(&[CONTROL, SHIFT, "f"]).unwrap();
    wd.type_text(&wd.testid("search-input").unwrap(), "refund")
        .unwrap();
    wd.wait("[data-testid=\"search-hit\"]", LONG).unwrap();
    save(wd, &out, "search");
    wd.chord(&[ESCAPE]).unwrap();

    wd.click(&wd.testid("composer-emoji").unwrap()).unwrap();
    wd.wait("[data-testid=\"emoji-option\"]", LONG).unwrap();
    save(wd, &out, "emoji");
    wd.chord(&[ESCAPE]).unwrap();

    wd.click(&wd.testid("nav-dashboard").unwrap()).unwrap();
    wd.testid("metric-first-response").unwrap();
    save(wd, &out, "dashboard");

    wd.click(&wd.testid("nav-settings").unwrap()).unwrap();
    wd.testid("settings-closing-note-mode").unwrap();
    save(wd, &out, "settings");

    wd.click(&wd.testid("nav-inbox").unwrap()).unwrap();
    server.kill();
    wd.testid("offline-banner").unwrap();
    save(wd, &out, "offline");
    drop(app);

    // The same app in the dark theme (it follows the desktop's).
    let server = ServerProcess::start_demo(data.path(), &artifacts.join("server.log")).unwrap();
    let dark_data = tempfile::tempdir().unwrap();
    let app = DesktopApp::start_with_env(
        &artifacts,
        dark_data.path(),
        &server.base_url,
        &[("GTK_THEME", "Adwaita:dark")],
    )
    .unwrap();
    let wd = app.wd();
    sign_in(wd, "alice@demo.example.com");
    open_a_busy_contact(wd);
    save(wd, &out, "dark");
}
