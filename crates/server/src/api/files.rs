//! `POST /files?name=` (raw body) and `GET /files/{id}` (signed in, or a signed link).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use messenger_protocol::{ApiErrorBody, ErrorCode, FileId, FileInfo};
use serde::Deserialize;
use tokio_util::io::ReaderStream;

use super::json::ApiJson;
use super::{ApiPath, ApiQuery};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::auth::current_user::{authenticate, bearer_token_of};
use crate::domain::{Ctx, files};
use crate::error::{AppError, AppResult};
use crate::files::{BlobError, serving, sniff};
use crate::store::FileRecord;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name, as the user knows it.
    name: String,
}

fn too_large(limit: u64) -> AppError {
    AppError::new(
        ErrorCode::PayloadTooLarge,
        format!(
            "The file is larger than the server accepts ({} MiB).",
            limit / (1024 * 1024)
        ),
    )
}

/// Upload a file (the request body is the file). Stored content-addressed; the type is
/// sniffed from the bytes. 413 over the size limit, and nothing is kept.
#[utoipa::path(post, path = "/files", tag = "files", security(("bearer" = [])), params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = FileInfo), (status = 413, body = ApiErrorBody)))]
pub async fn upload_file(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<(StatusCode, ApiJson<FileInfo>)> {
    let limit = state.config.max_upload_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let name = sniff::clean_name(&q.name);
    let blob = state
        .blobs
        .put_stream(body.into_data_stream(), limit)
        .await
        .map_err(|e| match e {
            BlobError::TooLarge { limit } => too_large(limit),
            BlobError::Interrupted(why) => {
                AppError::malformed(format!("The upload broke off: {why}"))
            }
            BlobError::Io(e) => AppError::internal("storing the file", e),
        })?;
    let record = FileRecord {
        id: FileId(String::new()),
        sha256: blob.sha256,
        size: blob.size,
        mime: sniff::mime_of(&blob.head, &name),
        name,
        uploaded_by: Some(me.user.id.clone()),
        created_at: state.clock.now(),
    };
    let f = state
        .store
        .write(move |tx| Ok(tx.insert_file(&record)?))
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(FileInfo {
            id: f.id,
            sha256: f.sha256,
            size: f.size,
            mime: f.mime,
            name: f.name,
        }),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DownloadQuery {
    /// With `sig`: a signed link's expiry (Unix seconds).
    expires: Option<i64>,
    /// With `expires`: the link's signature.
    sig: Option<String>,
}

/// The file's bytes: for a signed-in user who may have it (their unsent upload, or a file on a
/// contact they may see now), or for anyone holding an unexpired signed link to it. Anyone else
/// gets 404, as for an unknown file. Served with `nosniff`, a sandboxing CSP, and as a download
/// unless it is an image, audio or video.
#[utoipa::path(get, path = "/files/{id}", tag = "files", params(("id" = String, Path), DownloadQuery),
    responses((status = 200, content_type = "application/octet-stream"), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn download_file(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<FileId>,
    ApiQuery(q): ApiQuery<DownloadQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let file = match (q.expires, q.sig) {
        (Some(expires), Some(sig)) => {
            let now = state.clock.now().millis() / 1000;
            if !state.links.verify(id.as_str(), expires, &sig, now) {
                return Err(AppError::forbidden(
                    "This file link is not valid or has expired.",
                ));
            }
            let fid = id.clone();
            state
                .store
                .read(move |tx| {
                    if let Some(file) = tx.file(&fid)? {
                        return Ok(Some(file));
                    }
                    // A link signed before file ids became random names the old number.
                    match fid.as_str().parse::<i64>() {
                        Ok(legacy) => Ok(tx.file_by_legacy_id(legacy)?),
                        Err(_) => Ok(None),
                    }
                })
                .await?
                .ok_or_else(|| AppError::not_found(&format!("File {id}")))?
        }
        (None, None) => {
            let token = bearer_token_of(&headers)?;
            let me = authenticate(&state, &token).await?;
            let now = state.clock.now();
            state
                .store
                .read(move |tx| {
                    let ctx = Ctx::load(tx, me.user.clone(), now)?;
                    files::accessible(tx, &ctx, &id)
                })
                .await?
        }
        _ => {
            return Err(AppError::invalid(
                "A signed link needs both expires and sig.",
            ));
        }
    };
    let handle = state
        .blobs
        .open_file(&file.sha256)
        .await
        .map_err(|e| AppError::internal("reading the file", e))?;
    let mut res = Body::from_stream(ReaderStream::new(handle)).into_response();
    let h = res.headers_mut();
    for (name, value) in serving::file_headers(&file.mime, &file.name, file.size, &file.sha256) {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    Ok(res)
}
