//! messenger-server: the system of record of the Messages Module and its v1 API.
//!
//! Layout: [`api`] (HTTP and WebSocket routes) calls [`domain`] (the rules), which changes
//! state through the [`store`] traits, one transaction per request, events included.
//! [`channel`] is the Custom Channel integration (webhook, delivery, attachment fetches),
//! [`jobs`] the durable queue's runner, [`files`] the content-addressed file store, [`auth`]
//! turns bearer tokens into users, and [`app`] wires it all up.

pub mod api;
pub mod app;
pub mod auth;
pub mod automation;
pub mod channel;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod files;
pub mod jobs;
pub mod operator;
pub mod presence;
pub mod reports;
pub mod secrets;
pub mod store;

pub use app::{AppState, RunningServer, start, start_with};
pub use config::ServerConfig;
