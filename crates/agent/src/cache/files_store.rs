//! The index of file bodies kept on disk (content-addressed), for offline attachments and the
//! least-recently-used eviction that keeps them under a size cap.

use messenger_protocol::{FileId, Timestamp};
use rusqlite::{OptionalExtension, params};

use super::Cache;
use crate::error::AgentResult;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedFile {
    pub file_id: FileId,
    pub sha256: String,
    pub size: u64,
    pub mime: String,
    pub name: String,
    pub stored: bool,
}

impl Cache {
    pub fn cached_file(&self, id: &FileId) -> AgentResult<Option<CachedFile>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT file_id, sha256, size, mime, name, stored FROM files WHERE file_id = ?1",
            )?
            .query_row([id.as_str()], |r| {
                Ok(CachedFile {
                    file_id: FileId(r.get(0)?),
                    sha256: r.get(1)?,
                    size: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                    mime: r.get(3)?,
                    name: r.get(4)?,
                    stored: r.get(5)?,
                })
            })
            .optional()?)
    }

    pub fn put_file(&self, f: &CachedFile, now: Timestamp) -> AgentResult<()> {
        self.writer().execute(
            "INSERT OR REPLACE INTO files (file_id, sha256, size, mime, name, stored, last_used_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![f.file_id.as_str(), f.sha256, i64::try_from(f.size).unwrap_or(i64::MAX), f.mime, f.name, f.stored, now.millis()],
        )?;
        Ok(())
    }

    pub fn touch_file(&self, id: &FileId, now: Timestamp) -> AgentResult<()> {
        self.writer().execute(
            "UPDATE files SET last_used_at = ?2 WHERE file_id = ?1",
            params![id.as_str(), now.millis()],
        )?;
        Ok(())
    }

    /// Bytes of file bodies on disk (each body counted once, however many ids share it).
    pub fn stored_bytes(&self) -> AgentResult<u64> {
        let n: i64 = self.reader().query_row(
            "SELECT COALESCE(SUM(size), 0) FROM (SELECT sha256, MAX(size) AS size FROM files WHERE stored = 1 GROUP BY sha256)",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The least recently used body: (sha256, its size).
    pub fn least_recent_body(&self) -> AgentResult<Option<(String, u64)>> {
        Ok(self
            .reader()
            .query_row(
                "SELECT sha256, MAX(size), MAX(last_used_at) AS used FROM files WHERE stored = 1 GROUP BY sha256 ORDER BY used LIMIT 1",
                [],
                |r| Ok((r.get::<_, String>(0)?, u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0))),
            )
            .optional()?)
    }

    /// The body is gone from disk; the metadata stays (it can be fetched again).
    pub fn mark_evicted(&self, sha256: &str) -> AgentResult<()> {
        self.writer()
            .execute("UPDATE files SET stored = 0 WHERE sha256 = ?1", [sha256])?;
        Ok(())
    }
}
