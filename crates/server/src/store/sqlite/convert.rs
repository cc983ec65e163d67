//! Conversions between wire values and SQLite columns: ids are decimal strings on the wire
//! and INTEGER keys here; times are RFC 3339 on the wire and milliseconds here.

use messenger_protocol::Timestamp;

pub fn id_text(id: i64) -> String {
    id.to_string()
}

/// `None` for a string that cannot be one of our ids: the caller answers "not found".
pub fn id_param(id: &str) -> Option<i64> {
    id.parse::<i64>().ok().filter(|v| *v > 0)
}

pub fn millis(t: Timestamp) -> i64 {
    t.millis()
}

pub fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms).unwrap_or(Timestamp::EPOCH)
}
