//! Harness for the end-to-end suite: real processes (messenger-server, the desktop app under
//! tauri-driver) driven over their real interfaces. Synchronous on purpose: each test is a
//! script of steps, and failure hooks (screenshots, logs) run from `Drop`.

pub mod artifacts;
pub mod audio;
pub mod binaries;
pub mod desktop;
pub mod processes;
pub mod provider;
pub mod server;
pub mod webdriver;
pub mod workspace;

pub use desktop::{DesktopApp, desktop_session_available};
pub use server::{ServerProcess, SharedStorage};
