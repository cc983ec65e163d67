//! Files: a content-addressed store on disk, MIME sniffing, signed time-limited links, and the
//! headers a user's file is served with.

pub mod blob_store;
pub mod serving;
pub mod signed_link;
pub mod sniff;

pub use blob_store::{BlobError, BlobStore, StoredBlob};
