//! What a file is: from its first bytes when they tell, else from its name.

/// The MIME type of a file from its leading bytes and name.
pub fn mime_of(head: &[u8], name: &str) -> String {
    if let Some(kind) = infer::get(head) {
        // infer names Ogg-wrapped Opus `audio/opus`, the RTP payload type; a file of it is
        // `audio/ogg` (RFC 7845), which is also what channels ask of voice notes.
        if kind.mime_type() == "audio/opus" && head.starts_with(b"OggS") {
            return "audio/ogg".to_owned();
        }
        return kind.mime_type().to_owned();
    }
    mime_guess::from_path(name)
        .first_raw()
        .unwrap_or("application/octet-stream")
        .to_owned()
}

/// A file name safe to store and to put in a Content-Disposition header.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "file".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_win_over_the_name() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(mime_of(png, "report.pdf"), "image/png");
        assert_eq!(mime_of(b"OggS\0\x02", "x.bin"), "audio/ogg");
        let mut opus = b"OggS\0\x02".to_vec();
        opus.resize(28, 0);
        opus.extend_from_slice(b"OpusHead\x01\x01");
        assert_eq!(mime_of(&opus, "note.ogg"), "audio/ogg");
        assert_eq!(mime_of(b"plain words", "notes.txt"), "text/plain");
        assert_eq!(mime_of(b"plain words", "noext"), "application/octet-stream");
    }

    #[test]
    fn names_lose_paths_and_quotes() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\x\\a\"b.txt"), "ab.txt");
        assert_eq!(clean_name(""), "file");
        assert_eq!(clean_name(".."), "file");
    }
}
