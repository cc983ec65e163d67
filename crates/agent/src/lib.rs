//! messenger-agent: the desktop app's core, usable without a window.
//!
//! It signs in to a messenger-server, keeps a local cache of what the agent has seen (readable
//! and searchable offline), applies the server's events (bootstrap, catch-up, live stream),
//! sends every write through a durable outbox, caches files, and raises desktop notifications.
//! The Tauri shell and the `messenger-agent` command line are both thin layers over [`Agent`].

pub mod account;
mod accounts;
pub mod agent;
pub mod api_client;
pub mod cache;
pub mod config;
pub mod error;
pub mod event_reader;
pub mod files;
pub mod history;
mod migrate;
pub mod notify;
pub mod outbox;
pub mod server_url;
pub mod sync;
pub mod view;
pub mod voice;
mod workspace_admin;

pub use agent::Agent;
pub use config::AgentConfig;
pub use error::{AgentError, AgentResult};
