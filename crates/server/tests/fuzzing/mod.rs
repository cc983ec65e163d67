//! The HTTP fuzzer's parts: a seeded PRNG, a raw keep-alive client, values from the OpenAPI
//! schemas, and requests built from the document's operations.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod requests;
pub mod rng;
pub mod values;
pub mod wire;
