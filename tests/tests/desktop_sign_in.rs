//! The desktop app signs in to a real server through its UI, stays signed in across a restart,
//! and shows the server's error for a wrong password.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_e2e::{DesktopApp, ServerProcess, artifacts, require_desktop};

const NAME: &str = "Sam Support";
const EMAIL: &str = "sam@example.com";
const PASSWORD: &str = "sam-password";
const LOGIN_SERVER: &str = "[data-testid=\"login-server\"]";

fn server(artifacts: &std::path::Path) -> (tempfile::TempDir, ServerProcess) {
    let data = tempfile::tempdir().unwrap();
    ServerProcess::add_user(data.path(), EMAIL, NAME, PASSWORD, "agent").unwrap();
    let server = ServerProcess::start(data.path(), &artifacts.join("server.log")).unwrap();
    (data, server)
}

#[test]
fn signs_in_through_the_ui_and_stays_signed_in_after_a_restart() {
    require_desktop!();
    let artifacts = artifacts::dir_for("signs_in_and_stays_signed_in");
    let (_data, server) = server(&artifacts);
    let agent_data = tempfile::tempdir().unwrap();
    let mut app = DesktopApp::start(&artifacts, agent_data.path(), &server.base_url).unwrap();
    let wd = app.wd();

    // MESSENGER_SERVER_URL pre-fills the server field.
    wd.wait_value(LOGIN_SERVER, &server.base_url, Duration::from_secs(20))
        .unwrap();
    wd.fill(&wd.testid("login-email").unwrap(), EMAIL).unwrap();
    wd.fill(&wd.testid("login-password").unwrap(), PASSWORD)
        .unwrap();
    wd.click(&wd.testid("login-submit").unwrap()).unwrap();
    // Who is signed in shows in the account menu at the foot of the navigation rail.
    wd.click(&wd.testid("account-menu").unwrap()).unwrap();
    let shown = wd
        .wait_text(
            "[data-testid=\"current-user\"]",
            Duration::from_secs(20),
            |t| t == NAME,
        )
        .unwrap();
    assert_eq!(shown, NAME);
    app.screenshot("signed-in").unwrap();

    app.restart().unwrap();
    let wd = app.wd();
    wd.click(&wd.testid("account-menu").unwrap()).unwrap();
    let shown = wd
        .wait_text(
            "[data-testid=\"current-user\"]",
            Duration::from_secs(20),
            |t| t == NAME,
        )
        .unwrap();
    assert_eq!(shown, NAME, "still signed in after a restart");
    assert!(
        wd.try_find("[data-testid=\"login-submit\"]")
            .unwrap()
            .is_none()
    );

    // Signing out returns to the form, with the email remembered.
    wd.click(&wd.testid("sign-out").unwrap()).unwrap();
    wd.wait_value(
        "[data-testid=\"login-email\"]",
        EMAIL,
        Duration::from_secs(20),
    )
    .unwrap();
}

#[test]
fn a_wrong_password_shows_the_error_and_stays_on_the_form() {
    require_desktop!();
    let artifacts = artifacts::dir_for("wrong_password");
    let (_data, server) = server(&artifacts);
    let agent_data = tempfile::tempdir().unwrap();
    let mut app = DesktopApp::start(&artifacts, agent_data.path(), &server.base_url).unwrap();
    let wd = app.wd();

    wd.fill(&wd.testid("login-server").unwrap(), &server.base_url)
        .unwrap();
    wd.fill(&wd.testid("login-email").unwrap(), EMAIL).unwrap();
    wd.fill(&wd.testid("login-password").unwrap(), "not-the-password")
        .unwrap();
    wd.click(&wd.testid("login-submit").unwrap()).unwrap();
    let error = wd
        .wait_text(
            "[data-testid=\"login-error\"]",
            Duration::from_secs(20),
            |t| !t.is_empty(),
        )
        .unwrap();
    assert_eq!(error, "Wrong email or password.");
    assert!(
        wd.try_find("[data-testid=\"account-menu\"]")
            .unwrap()
            .is_none()
    );
    assert_eq!(wd.value(&wd.testid("login-password").unwrap()).unwrap(), "");
    app.screenshot("wrong-password").unwrap();
}

#[test]
fn an_unreachable_server_is_explained_on_the_form() {
    require_desktop!();
    let artifacts = artifacts::dir_for("unreachable_server");
    let agent_data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("http://127.0.0.1:{port}");
    let app = DesktopApp::start(&artifacts, agent_data.path(), &dead).unwrap();
    let wd = app.wd();
    wd.wait_value(LOGIN_SERVER, &dead, Duration::from_secs(20))
        .unwrap();
    wd.fill(&wd.testid("login-email").unwrap(), EMAIL).unwrap();
    wd.fill(&wd.testid("login-password").unwrap(), PASSWORD)
        .unwrap();
    wd.click(&wd.testid("login-submit").unwrap()).unwrap();
    let error = wd
        .wait_text(
            "[data-testid=\"login-error\"]",
            Duration::from_secs(20),
            |t| !t.is_empty(),
        )
        .unwrap();
    assert!(error.contains(&dead), "{error}");
    assert!(error.contains("Cannot reach the server"), "{error}");
}
