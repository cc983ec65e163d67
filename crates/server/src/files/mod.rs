//! Files: a content-addressed store on disk, MIME sniffing, and signed time-limited links.

pub mod blob_store;
pub mod signed_link;
pub mod sniff;

pub use blob_store::{BlobError, BlobStore, StoredBlob};
