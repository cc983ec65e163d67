//! Files: attachments and voice notes are copied into a staging directory when written (so the
//! outbox survives a restart) and uploaded before their message; downloads are kept on disk by
//! SHA-256, so seen attachments open offline, under a size cap with least-recently-used
//! eviction of the bodies (never of messages).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::StreamExt;
use messenger_protocol::{FileId, Timestamp};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::account::Account;
use crate::cache::files_store::CachedFile;
use crate::cache::outbox_store::StagedFile;
use crate::error::{AgentError, AgentResult};

fn io(what: &str, e: std::io::Error) -> AgentError {
    AgentError::Io(format!("{what}: {e}"))
}

fn staging_dir(account: &Account) -> PathBuf {
    account.dir.join("staging")
}

fn bodies_dir(account: &Account) -> PathBuf {
    account.dir.join("files")
}

fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("file").trim();
    if base.is_empty() {
        "file".into()
    } else {
        base.chars().filter(|c| !c.is_control()).take(200).collect()
    }
}

/// Copies a file the user picked into the staging directory.
pub fn stage_path(account: &Account, source: &Path) -> AgentResult<StagedFile> {
    let name = clean_name(
        &source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    let bytes =
        std::fs::read(source).map_err(|e| io(&format!("Cannot read {}", source.display()), e))?;
    stage_bytes(account, &name, &bytes)
}

/// Stores bytes (pasted or dropped in the app, or a recording) in the staging directory.
pub fn stage_bytes(account: &Account, name: &str, bytes: &[u8]) -> AgentResult<StagedFile> {
    let dir = staging_dir(account);
    std::fs::create_dir_all(&dir).map_err(|e| io("Cannot create the staging directory", e))?;
    let name = clean_name(name);
    let path = dir.join(format!("{}-{name}", uuid::Uuid::now_v7()));
    std::fs::write(&path, bytes).map_err(|e| io("Cannot stage the file", e))?;
    Ok(StagedFile {
        path: path.to_string_lossy().into_owned(),
        mime: mime_guess::from_path(&name)
            .first_raw()
            .unwrap_or("application/octet-stream")
            .to_owned(),
        size: bytes.len() as u64,
        name,
        file_id: None,
    })
}

/// The path of a file's body on disk, downloading it when needed (and online).
pub async fn open(account: &Arc<Account>, file: &FileId) -> AgentResult<PathBuf> {
    let now = Timestamp::now();
    if let Some(f) = account.cache.cached_file(file)?
        && f.stored
    {
        let path = bodies_dir(account).join(&f.sha256);
        if path.exists() {
            account.cache.touch_file(file, now)?;
            return Ok(path);
        }
    }
    let res = account.client.download(file).await.map_err(|e| match e {
        AgentError::Unreachable { .. } => AgentError::Invalid(
            "This file has not been opened before and the server cannot be reached now.".into(),
        ),
        other => other,
    })?;
    let mime = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let name = res
        .headers()
        .get(reqwest::header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split("filename=\"").nth(1))
        .and_then(|v| v.split('"').next())
        .unwrap_or("file")
        .to_owned();
    let dir = bodies_dir(account);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| io("Cannot create the file cache", e))?;
    let tmp = dir.join(format!(".part-{}", uuid::Uuid::now_v7()));
    let mut out = tokio::fs::File::create(&tmp)
        .await
        .map_err(|e| io("Cannot write the file cache", e))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut body = res.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| account.client.unreachable(&e))?;
        hasher.update(&chunk);
        size += chunk.len() as u64;
        out.write_all(&chunk)
            .await
            .map_err(|e| io("Cannot write the file cache", e))?;
    }
    out.flush()
        .await
        .map_err(|e| io("Cannot write the file cache", e))?;
    drop(out);
    let sha256 = hex::encode(hasher.finalize());
    let path = dir.join(&sha256);
    tokio::fs::rename(&tmp, &path)
        .await
        .map_err(|e| io("Cannot write the file cache", e))?;
    account.cache.put_file(
        &CachedFile {
            file_id: file.clone(),
            sha256,
            size,
            mime,
            name,
            stored: true,
        },
        now,
    )?;
    evict(account, Some(&path))?;
    Ok(path)
}

/// Deletes least recently used bodies until the cache is under its cap (never `keep`).
pub fn evict(account: &Account, keep: Option<&Path>) -> AgentResult<u64> {
    let mut freed = 0;
    while account.cache.stored_bytes()? > account.file_cache_cap {
        let Some((sha, size)) = account.cache.least_recent_body()? else {
            break;
        };
        let path = bodies_dir(account).join(&sha);
        if keep == Some(path.as_path()) {
            break;
        }
        let _ = std::fs::remove_file(&path);
        account.cache.mark_evicted(&sha)?;
        freed += size;
    }
    Ok(freed)
}
