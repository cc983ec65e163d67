//! On Linux the app paints in software and keeps the GL stack out of its shell process, which
//! is what makes it start sooner and smaller where there is no GPU driver;
//! `MESSENGER_WEBVIEW_GPU=1` composites through GL again.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_e2e::{DesktopApp, artifacts, require_desktop};

/// Libraries of the GL stack (GLVND's Mesa vendors and Mesa's driver) mapped by `pid`.
fn gl_libraries(pid: u32) -> Vec<String> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mut found: Vec<String> = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .filter(|path| {
            ["libEGL_mesa", "libGLX_mesa", "_dri.so"]
                .iter()
                .any(|n| path.contains(n))
        })
        .map(str::to_owned)
        .collect();
    found.dedup();
    found
}

/// Opens the app with no account (it shows the sign-in form) and lists the GL libraries its
/// shell process maps once the form is on screen.
fn gl_in_shell(name: &str, env: &[(&str, &str)]) -> Vec<String> {
    let artifacts = artifacts::dir_for(name);
    let agent_data = tempfile::tempdir().unwrap();
    let app = DesktopApp::start_with_env(&artifacts, agent_data.path(), "http://127.0.0.1:9", env)
        .unwrap();
    app.wd()
        .wait("[data-testid=\"login-submit\"]", Duration::from_secs(20))
        .unwrap();
    app.wd().wait_for_paint().unwrap();
    gl_libraries(app.shell_pid().unwrap())
}

#[test]
fn the_shell_paints_without_gl_unless_asked_to_composite() {
    require_desktop!();
    let software = gl_in_shell("painting_in_software", &[]);
    assert!(
        software.is_empty(),
        "the shell process loaded the GL stack while painting in software: {software:?}"
    );

    // The same probe sees GL when compositing is asked for (this machine has Mesa), so the
    // first answer is not an empty read.
    let composited = gl_in_shell("painting_composited", &[("MESSENGER_WEBVIEW_GPU", "1")]);
    assert!(
        !composited.is_empty(),
        "with MESSENGER_WEBVIEW_GPU=1 the shell should composite through GL"
    );
}
