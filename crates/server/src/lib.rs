//! messenger-server: the system of record of the Messages Module and its v1 API.
//!
//! Layout: [`api`] (HTTP routes) calls the domain modules ([`users`], ...), which change state
//! through the [`store`] traits; [`auth`] turns bearer tokens into users; [`app`] wires it up.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod error;
pub mod store;
pub mod users;

pub use app::{AppState, RunningServer, start, start_with};
pub use config::ServerConfig;
