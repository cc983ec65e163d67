//! How a user's file is served. Files come from strangers (contacts) and colleagues, and are
//! served from the API's own origin, so nothing in one may run there: the browser is told not to
//! guess the type (`nosniff`), a document that is opened anyway runs sandboxed (no script, no
//! same-origin access), and only images, audio and video that browsers render as pixels or
//! sound are shown inline; everything else (HTML, SVG, XML, PDF, ...) is a download.

use axum::http::HeaderName;
use axum::http::header;

/// Image types browsers decode as pictures only. SVG is left out on purpose: it is a document
/// that can carry script.
const INLINE_IMAGES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/avif",
    "image/bmp",
    "image/apng",
    "image/x-icon",
    "image/vnd.microsoft.icon",
];

/// Whether a file of this type may be shown in the browser rather than downloaded.
pub fn renders_inline(mime: &str) -> bool {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence.ends_with("+xml") || essence.contains("xml") {
        return false;
    }
    INLINE_IMAGES.contains(&essence.as_str())
        || essence.starts_with("audio/")
        || essence.starts_with("video/")
}

/// `Content-Disposition` for a file (RFC 6266): `inline` or `attachment`, with an ASCII
/// `filename` for old clients and the exact name as UTF-8 in `filename*` (RFC 5987).
pub fn content_disposition(mime: &str, name: &str) -> String {
    let kind = if renders_inline(mime) {
        "inline"
    } else {
        "attachment"
    };
    let ascii: String = name
        .chars()
        .map(|c| {
            if c == ' ' || (c.is_ascii_graphic() && c != '"' && c != '\\') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        percent_encode(name)
    )
}

/// The headers of a user's file, on every route that serves one.
pub fn file_headers(mime: &str, name: &str, size: u64, sha256: &str) -> [(HeaderName, String); 7] {
    [
        (header::CONTENT_TYPE, mime.to_owned()),
        (header::CONTENT_LENGTH, size.to_string()),
        (header::CONTENT_DISPOSITION, content_disposition(mime, name)),
        (header::ETAG, format!("\"{sha256}\"")),
        (
            header::CACHE_CONTROL,
            "private, max-age=31536000, immutable".into(),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        (header::CONTENT_SECURITY_POLICY, "sandbox".into()),
    ]
}

/// RFC 5987 `value-chars`: attr-chars as they are, every other byte as `%XX`.
fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_sound_and_video_are_inline_and_documents_are_downloads() {
        for inline in [
            "image/png",
            "image/jpeg",
            "IMAGE/GIF",
            "audio/ogg",
            "video/mp4",
        ] {
            assert!(renders_inline(inline), "{inline} should be inline");
        }
        for download in [
            "image/svg+xml",
            "text/html",
            "application/xhtml+xml",
            "text/xml",
            "application/xml",
            "application/pdf",
            "application/octet-stream",
            "text/plain",
            "image/x-unknown",
            "",
        ] {
            assert!(!renders_inline(download), "{download} should be a download");
        }
    }

    #[test]
    fn names_are_quoted_safely_and_kept_exactly_in_utf8() {
        assert_eq!(
            content_disposition("application/pdf", "Résumé \"final\".pdf"),
            "attachment; filename=\"R_sum_ _final_.pdf\"; \
             filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf"
        );
        assert_eq!(
            content_disposition("image/png", "a;b\\c.png"),
            "inline; filename=\"a;b_c.png\"; filename*=UTF-8''a%3Bb%5Cc.png"
        );
    }
}
