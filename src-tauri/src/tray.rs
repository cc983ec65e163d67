//! The tray icon: the unread count in its tooltip and label, a click shows the window, and a
//! menu to show it or quit.

use tauri::AppHandle;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};

const TRAY_ID: &str = "main";

pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Show IS-Messenger", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("IS-Messenger")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "show" => crate::agent_events::bring_forward(app),
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                crate::agent_events::bring_forward(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

pub fn show_unread(app: &AppHandle, unread: u32) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let tooltip = match unread {
        0 => "IS-Messenger".to_owned(),
        1 => "IS-Messenger: 1 unread message".to_owned(),
        n => format!("IS-Messenger: {n} unread messages"),
    };
    let _ = tray.set_tooltip(Some(tooltip));
    // The label beside the icon (Linux app indicators, the macOS menu bar).
    let _ = tray.set_title((unread > 0).then(|| unread.to_string()));
}
