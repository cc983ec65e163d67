//! `msgfile://localhost/<file id>` (and `/draft/<id>` for unsent voice notes): attachment
//! bodies for `<img>`, `<audio>` and downloads in the webview. Served from the agent's file
//! cache, downloaded on first use, so attachments seen once keep showing offline. Byte ranges
//! are honoured because media players seek with them. The page's origin differs from this
//! scheme's, so replies allow any origin: `fetch` needs that (WebKitGTK plays audio from a blob
//! fetched here), and the scheme exists only inside the app's own webview.

use std::path::PathBuf;
use std::sync::Arc;

use messenger_agent::Agent;
use messenger_protocol::FileId;
use tauri::http::{Request, Response, StatusCode, header};

pub const SCHEME: &str = "msgfile";

type Reply = Response<Vec<u8>>;

fn reply(status: StatusCode, body: &str) -> Reply {
    let mut r = Response::new(body.as_bytes().to_vec());
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

pub async fn serve(agent: Option<Arc<Agent>>, request: Request<Vec<u8>>) -> Reply {
    let mut reply = answer(agent, request).await;
    let headers = reply.headers_mut();
    // Every reply, errors included, so that `fetch` from the page reads them.
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static("*"),
    );
    // Bodies are contacts' and colleagues' files: never sniffed into another type, and a
    // document opened from here runs sandboxed, without script (as the server serves them).
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static("sandbox"),
    );
    reply
}

async fn answer(agent: Option<Arc<Agent>>, request: Request<Vec<u8>>) -> Reply {
    let Some(agent) = agent else {
        return reply(
            StatusCode::SERVICE_UNAVAILABLE,
            "The app's data is not available.",
        );
    };
    let path = request.uri().path().trim_start_matches('/');
    let found = match path.split_once('/') {
        Some(("draft", id)) if !id.is_empty() && !id.contains('/') => draft(&agent, id),
        None if !path.is_empty() => attachment(&agent, FileId(path.to_owned())).await,
        _ => Err("No such file.".to_owned()),
    };
    let (path, mime) = match found {
        Ok(found) => found,
        Err(why) => return reply(StatusCode::NOT_FOUND, &why),
    };
    let body = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(e) => return reply(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_range(v, body.len() as u64));
    with_body(body, &mime, range)
}

/// An attachment from the file cache (downloaded on first use).
async fn attachment(agent: &Agent, file: FileId) -> Result<(PathBuf, String), String> {
    let path = agent.open_file(&file).await.map_err(|e| e.to_string())?;
    let mime = agent
        .file_type(&file)
        .ok()
        .flatten()
        .map(|(mime, _)| mime)
        .unwrap_or_else(|| "application/octet-stream".into());
    Ok((path, mime))
}

/// A voice note recorded but not sent yet, for playing it back.
fn draft(agent: &Agent, id: &str) -> Result<(PathBuf, String), String> {
    let drafts = agent.voice_drafts().map_err(|e| e.to_string())?;
    let d = drafts
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| "That recording is gone.".to_owned())?;
    Ok((PathBuf::from(d.path), d.mime))
}

fn with_body(body: Vec<u8>, mime: &str, range: Option<(u64, u64)>) -> Reply {
    let total = body.len() as u64;
    let (status, slice, content_range) = match range {
        Some((start, end)) => (
            StatusCode::PARTIAL_CONTENT,
            body[start as usize..=end as usize].to_vec(),
            Some(format!("bytes {start}-{end}/{total}")),
        ),
        None => (StatusCode::OK, body, None),
    };
    let mut builder = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, mime)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CONTENT_LENGTH, slice.len().to_string());
    if let Some(cr) = content_range {
        builder = builder.header(header::CONTENT_RANGE, cr);
    }
    builder
        .body(slice)
        .unwrap_or_else(|e| reply(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))
}

/// `bytes=START-END`, `bytes=START-` or `bytes=-SUFFIX` (one range) → inclusive bounds within
/// `total`; anything else (or out of bounds) → the whole body.
fn parse_range(header: &str, total: u64) -> Option<(u64, u64)> {
    if total == 0 {
        return None;
    }
    let spec = header.strip_prefix("bytes=")?.split(',').next()?.trim();
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().ok()?;
            (total.saturating_sub(n), total - 1)
        }
        (s, "") => (s.parse().ok()?, total - 1),
        (s, e) => (s.parse().ok()?, e.parse::<u64>().ok()?.min(total - 1)),
    };
    (start <= end && start < total).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges_media_players_send() {
        assert_eq!(parse_range("bytes=0-", 10), Some((0, 9)));
        assert_eq!(parse_range("bytes=2-4", 10), Some((2, 4)));
        assert_eq!(parse_range("bytes=5-100", 10), Some((5, 9)));
        assert_eq!(parse_range("bytes=-3", 10), Some((7, 9)));
        assert_eq!(parse_range("bytes=12-", 10), None);
        assert_eq!(parse_range("items=0-1", 10), None);
        assert_eq!(parse_range("bytes=0-", 0), None);
    }
}
