//! The desktop shell: a window, a tray icon, and Tauri commands that forward to the agent core.
//! No business logic lives here; see `crates/agent`.

mod agent_events;
mod commands;
mod file_protocol;
mod shell_state;
mod tray;
mod webview_tuning;

use std::time::Instant;

use messenger_agent::{Agent, AgentConfig};
use shell_state::ShellState;
use tauri::Manager;

/// Environment variable that pre-fills the server on the sign-in screen.
pub const SERVER_URL_ENV: &str = "MESSENGER_SERVER_URL";

pub fn run() {
    let started = Instant::now();
    webview_tuning::prepare_environment();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tao=warn,wry=warn".into()),
        )
        .init();

    // Opened inside the runtime: the agent's notifier and sync tasks live on it.
    let agent = tauri::async_runtime::block_on(async {
        AgentConfig::from_env()
            .map(|c| c.with_notifications(true))
            .and_then(Agent::open)
    });
    if let Err(e) = &agent {
        tracing::error!(error = %e, "the agent core could not start; the window will say why");
    }
    commands::marks::log(started, "agent opened");
    let state = ShellState::new(agent, std::env::var(SERVER_URL_ENV).ok(), started);

    let result = tauri::Builder::default()
        .manage(state)
        .register_asynchronous_uri_scheme_protocol(
            file_protocol::SCHEME,
            |ctx, request, responder| {
                let agent = ctx.app_handle().state::<ShellState>().agent().ok();
                tauri::async_runtime::spawn(async move {
                    responder.respond(file_protocol::serve(agent, request).await);
                });
            },
        )
        .on_page_load(move |_, payload| {
            // Splits the start-up between WebKit starting its processes and the page loading.
            if payload.event() == tauri::webview::PageLoadEvent::Started {
                commands::marks::log(started, "page load started");
            }
        })
        .setup(move |app| {
            commands::marks::log(started, "window set up");
            let handle = app.handle().clone();
            if let Some(window) = handle.get_webview_window("main") {
                webview_tuning::apply(&window);
            }
            if let Err(e) = tray::create(&handle) {
                // A desktop without a tray still has the window title.
                tracing::warn!(error = %e, "no tray icon");
            }
            if let Ok(agent) = app.state::<ShellState>().agent() {
                agent_events::forward(handle, agent.clone());
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = agent.start() {
                        tracing::error!(error = %e, "syncing could not start");
                    }
                });
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session::sign_in_defaults,
            commands::session::current_session,
            commands::session::token_storage,
            commands::session::sign_in,
            commands::session::sign_out,
            commands::inbox::inbox,
            commands::inbox::inbox_counts,
            commands::inbox::search,
            commands::inbox::focus,
            commands::inbox::sync_state,
            commands::inbox::outbox,
            commands::inbox::flush_outbox,
            commands::inbox::retry_sync,
            commands::inbox::retry_outbox_item,
            commands::inbox::discard_outbox_item,
            commands::conversation::timeline,
            commands::conversation::contact_details,
            commands::conversation::load_older,
            commands::conversation::ensure_history,
            commands::conversation::send_message,
            commands::conversation::add_comment,
            commands::conversation::assign,
            commands::conversation::open_conversation,
            commands::conversation::close_conversation,
            commands::conversation::render_snippet,
            commands::conversation::merge_contacts,
            commands::files::stage_file,
            commands::files::open_attachment,
            commands::workspace::workspace,
            commands::workspace::set_status,
            commands::workspace::notify_unassigned,
            commands::workspace::set_notify_unassigned,
            commands::workspace::report,
            commands::admin::update_settings,
            commands::admin::create_category,
            commands::admin::update_category,
            commands::admin::delete_category,
            commands::admin::create_snippet,
            commands::admin::update_snippet,
            commands::admin::delete_snippet,
            commands::admin::api_tokens,
            commands::admin::create_api_token,
            commands::admin::revoke_api_token,
            commands::voice::voice_inputs,
            commands::voice::start_recording,
            commands::voice::stop_recording,
            commands::voice::cancel_recording,
            commands::voice::voice_drafts,
            commands::voice::discard_voice_draft,
            commands::voice::send_voice_draft,
            commands::marks::mark,
            commands::marks::log_ui_error,
        ])
        .build(tauri::generate_context!());
    let app = match result {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "the desktop app could not start");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        if let tauri::RunEvent::Exit = event
            && let Ok(agent) = app.state::<ShellState>().agent()
        {
            agent.shutdown();
        }
    });
}
