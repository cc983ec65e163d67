//! Stored files.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ids::FileId;

/// The answer to `POST /files`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileInfo {
    pub id: FileId,
    /// Hex SHA-256 of the bytes (files are stored content-addressed).
    pub sha256: String,
    #[ts(type = "number")]
    pub size: u64,
    /// Sniffed from the bytes, else from the name.
    pub mime: String,
    pub name: String,
}
