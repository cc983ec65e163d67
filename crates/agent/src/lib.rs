//! messenger-agent: the desktop app's core, usable without a window.
//!
//! It signs in to a messenger-server, keeps the session and (later) a local cache of what the
//! agent has seen, and applies the server's events. The Tauri shell and the `messenger-agent`
//! command line are both thin layers over [`Agent`].

mod accounts;
pub mod agent;
pub mod api_client;
pub mod config;
pub mod error;
mod migrate;
pub mod server_url;
pub mod view;

pub use agent::Agent;
pub use config::AgentConfig;
pub use error::{AgentError, AgentResult};
