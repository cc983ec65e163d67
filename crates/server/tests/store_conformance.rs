//! The store conformance suite: the promises every store keeps (DESIGN.md "Sync invariants"),
//! written once in `conformance/` and run against each store by `store_conformance_tests!`
//! (the idea of matrix-rust-sdk's `statestore_integration_tests!`):
//! - `sqlite`: the embedded store, one handle;
//! - `sqlite_two_handles`: two handles on one file, as two processes would hold it;
//! - `postgres`: three handles (three pools) on one database, as three server instances hold
//!   it; only when `MESSENGER_TEST_DATABASE_URL` names a PostgreSQL server
//!   (`scripts/postgres-cluster run cargo test -p messenger-server --test store_conformance`),
//!   otherwise its cases pass at once and say they were skipped.
//!
//! The cases go through the store traits and the domain functions, as requests and jobs do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[macro_use]
mod conformance;

store_conformance_tests!(sqlite, crate::conformance::bed::sqlite);
store_conformance_tests!(
    sqlite_two_handles,
    crate::conformance::bed::sqlite_two_handles
);
store_conformance_tests!(postgres, crate::conformance::bed::postgres);
