//! The close codes of `GET /stream` (4000–4999 are the application's): the server sends them,
//! clients act on them, both from these constants.

/// The peer answered no ping for three heartbeats.
pub const NO_PONG: u16 = 4000;
/// The session ended (signed out, expired, account removed): sign in again.
pub const SIGNED_OUT: u16 = 4001;
/// The reader was too slow for the feed; the reason ends with `reconnect with since=N`.
pub const LAGGED: u16 = 4008;

/// The seq a [`LAGGED`] close tells the reader to resume after.
pub fn resume_point(reason: &str) -> Option<crate::Seq> {
    reason
        .rsplit_once("since=")
        .and_then(|(_, seq)| seq.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lagged_reason_names_where_to_resume() {
        assert_eq!(
            resume_point("too slow to read; reconnect with since=42"),
            Some(42)
        );
        assert_eq!(resume_point("too slow"), None);
    }
}
