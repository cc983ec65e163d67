//! The background side of automation: running fired workflows step by step, and delivering
//! events to integrations.

pub mod integration_delivery;
pub mod workflow_runner;
