//! Carries the agent's live updates to the webview (`agent-event`), and keeps the window title
//! and the tray in step with the unread count. A notification click brings the window forward.

use std::sync::Arc;
use std::time::Duration;

use messenger_agent::Agent;
use messenger_agent::view::AgentEvent;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::broadcast::error::RecvError;

use crate::tray;

/// The event name the UI listens to.
pub const AGENT_EVENT: &str = "agent-event";
/// Sent when events were dropped because the UI fell behind: it reloads what it shows.
pub const RESYNC_EVENT: &str = "agent-resync";

const APP_NAME: &str = "IS-Messenger";

pub fn forward(app: AppHandle, agent: Arc<Agent>) {
    let mut events = agent.subscribe();
    tauri::async_runtime::spawn(async move {
        show_unread(&app, &agent);
        let mut unread_due = false;
        loop {
            // Title and tray follow bursts of changes at most four times a second.
            let next = if unread_due {
                match tokio::time::timeout(Duration::from_millis(250), events.recv()).await {
                    Ok(r) => r,
                    Err(_) => {
                        unread_due = false;
                        show_unread(&app, &agent);
                        continue;
                    }
                }
            } else {
                events.recv().await
            };
            match next {
                Ok(event) => {
                    match &event {
                        AgentEvent::ContactsChanged { .. } | AgentEvent::SignedOut => {
                            unread_due = true
                        }
                        AgentEvent::OpenContact { .. } => bring_forward(&app),
                        _ => {}
                    }
                    if let Err(e) = app.emit(AGENT_EVENT, &event) {
                        tracing::warn!(error = %e, "could not pass an event to the window");
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "the window fell behind the agent; it reloads");
                    let _ = app.emit(RESYNC_EVENT, ());
                    unread_due = true;
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
}

fn show_unread(app: &AppHandle, agent: &Agent) {
    let unread = agent.unread_total().unwrap_or(0);
    let title = if unread > 0 {
        format!("{APP_NAME} ({unread})")
    } else {
        APP_NAME.to_owned()
    };
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.set_title(&title);
    }
    tray::show_unread(app, unread);
}

pub fn bring_forward(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}
