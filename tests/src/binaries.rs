//! Where the binaries under test are: `MESSENGER_*_BIN`, else the cargo target directory this
//! test binary was built into (the Makefile builds them before the suite runs).

use std::path::PathBuf;

fn target_profile_dir() -> PathBuf {
    // target/<profile>/deps/<test-binary>
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent()
        .and_then(|deps| deps.parent())
        .map(PathBuf::from)
        .unwrap_or_default()
}

fn find(env: &str, name: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    target_profile_dir().join(name)
}

pub fn server() -> PathBuf {
    find("MESSENGER_SERVER_BIN", "messenger-server")
}

pub fn desktop() -> PathBuf {
    find("MESSENGER_DESKTOP_BIN", "messenger-desktop")
}

pub fn agent_cli() -> PathBuf {
    find("MESSENGER_AGENT_BIN", "messenger-agent")
}

/// `target/e2e-artifacts/`, beside the profile directories.
pub fn artifacts_root() -> PathBuf {
    target_profile_dir()
        .parent()
        .map(|t| t.join("e2e-artifacts"))
        .unwrap_or_else(|| PathBuf::from("target/e2e-artifacts"))
}
