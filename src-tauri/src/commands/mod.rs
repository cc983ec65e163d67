//! Tauri commands, one module per area. Each is a thin adapter: arguments in, agent call,
//! typed result or [`CommandError`](messenger_agent::view::CommandError) out.

pub mod session;
