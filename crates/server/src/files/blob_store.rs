//! Content-addressed file bodies under `<data-dir>/files/ab/cd/<sha256>`.
//!
//! An upload streams into `files/tmp/` while it is hashed and counted; over the size limit it
//! is deleted at once. A complete upload is fsync'd and renamed into place, so a file at its
//! final path is always whole, and the same bytes are stored once.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// How many leading bytes are kept for sniffing the type.
const HEAD_BYTES: usize = 8192;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the upload broke off: {0}")]
    Interrupted(String),
    #[error("cannot store the file: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Clone, Debug)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
    /// The first bytes, for sniffing.
    pub head: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// Opens (creating) the store and removes uploads a crash left half-written.
    pub fn open(root: &Path) -> std::io::Result<Self> {
        let tmp = root.join("tmp");
        std::fs::create_dir_all(&tmp)?;
        for entry in std::fs::read_dir(&tmp)? {
            let _ = std::fs::remove_file(entry?.path());
        }
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    pub fn path_of(&self, sha256: &str) -> PathBuf {
        let (a, rest) = sha256.split_at(2.min(sha256.len()));
        let b = rest.get(..2).unwrap_or_default();
        self.root.join(a).join(b).join(sha256)
    }

    /// Stores a stream of chunks, refusing more than `limit` bytes.
    pub async fn put_stream<S, E>(&self, mut chunks: S, limit: u64) -> Result<StoredBlob, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let tmp_path = self.root.join("tmp").join(uuid::Uuid::new_v4().to_string());
        let result = self.write_tmp(&mut chunks, limit, &tmp_path).await;
        let blob = match result {
            Ok(blob) => blob,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp_path).await;
                return Err(e);
            }
        };
        let dest = self.path_of(&blob.sha256);
        if tokio::fs::try_exists(&dest).await.unwrap_or(false) {
            let _ = tokio::fs::remove_file(&tmp_path).await;
            return Ok(blob);
        }
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::rename(&tmp_path, &dest).await?;
        if let Some(dir) = dest.parent() {
            // Make the rename itself durable.
            if let Ok(d) = tokio::fs::File::open(dir).await {
                let _ = d.sync_all().await;
            }
        }
        Ok(blob)
    }

    async fn write_tmp<S, E>(
        &self,
        chunks: &mut S,
        limit: u64,
        path: &Path,
    ) -> Result<StoredBlob, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let mut file = tokio::fs::File::create(path).await?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut head = Vec::new();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| BlobError::Interrupted(e.to_string()))?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(BlobError::TooLarge { limit });
            }
            if head.len() < HEAD_BYTES {
                let take = (HEAD_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        file.sync_all().await?;
        Ok(StoredBlob {
            sha256: hex::encode(hasher.finalize()),
            size,
            head,
        })
    }

    /// Stores bytes already in memory.
    pub async fn put_bytes(&self, bytes: Bytes, limit: u64) -> Result<StoredBlob, BlobError> {
        let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
        self.put_stream(Box::pin(stream), limit).await
    }

    pub async fn open_file(&self, sha256: &str) -> std::io::Result<tokio::fs::File> {
        tokio::fs::File::open(self.path_of(sha256)).await
    }

    /// Uploads in progress (for tests: nothing half-written is left behind).
    pub fn pending_uploads(&self) -> usize {
        std::fs::read_dir(self.root.join("tmp"))
            .map(|d| d.count())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_by_content_once_and_refuses_oversize_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let a = store
            .put_bytes(Bytes::from_static(b"hello"), 10)
            .await
            .unwrap();
        assert_eq!(
            a.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(a.size, 5);
        assert!(store.path_of(&a.sha256).exists());
        let again = store
            .put_bytes(Bytes::from_static(b"hello"), 10)
            .await
            .unwrap();
        assert_eq!(again.sha256, a.sha256);

        let chunks = futures::stream::iter(vec![
            Ok::<_, std::convert::Infallible>(Bytes::from_static(b"123456")),
            Ok(Bytes::from_static(b"789012")),
        ]);
        let err = store.put_stream(chunks, 10).await.unwrap_err();
        assert!(matches!(err, BlobError::TooLarge { limit: 10 }));
        assert_eq!(store.pending_uploads(), 0);
    }
}
