//! The Custom Channel integration: the inbound webhook's processing, outbound delivery to the
//! provider, attachment and profile picture fetches, and the guard that keeps server-side requests off private
//! networks.

pub mod avatar;
pub mod bot;
pub mod delivery;
pub mod fetch;
pub mod url_guard;
pub mod webhook;
