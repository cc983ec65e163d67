//! The desktop shell: a window, and Tauri commands that forward to the agent core. No business
//! logic lives here; see `crates/agent`.

mod commands;
mod shell_state;

use messenger_agent::{Agent, AgentConfig};
use shell_state::ShellState;

/// Environment variable that pre-fills the server on the sign-in screen.
pub const SERVER_URL_ENV: &str = "MESSENGER_SERVER_URL";

pub fn run() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tao=warn,wry=warn".into()),
        )
        .init();

    let agent = AgentConfig::from_env().and_then(Agent::open);
    if let Err(e) = &agent {
        tracing::error!(error = %e, "the agent core could not start; the window will say why");
    }
    let state = ShellState::new(agent, std::env::var(SERVER_URL_ENV).ok());

    let result = tauri::Builder::default()
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::session::sign_in_defaults,
            commands::session::current_session,
            commands::session::sign_in,
            commands::session::sign_out,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "the desktop app stopped with an error");
        std::process::exit(1);
    }
}
