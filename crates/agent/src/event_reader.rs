//! Reading the server's events one by one, so that one event does not decide the fate of the
//! page around it: a type this version does not know is passed over knowingly (and counted),
//! while a known type that does not read stops the sync just before it, where a later version
//! of the app can pick it up.

use messenger_protocol::{Event, EventPayload, Seq, SyncPage};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{AgentError, AgentResult};

/// `GET /sync`'s page, its events still unread.
#[derive(Debug, Deserialize)]
pub struct RawSyncPage {
    pub events: Vec<Box<RawValue>>,
    pub next_seq: Seq,
    pub has_more: bool,
    pub head_seq: Seq,
}

/// A page as it read: whole (the usual case, at the cost of one parse) or event by event.
#[derive(Debug)]
pub enum ReadPage {
    Whole(SyncPage),
    Raw(RawSyncPage),
}

/// A page's place in the log.
#[derive(Clone, Copy, Debug)]
pub struct PagePlace {
    pub next_seq: Seq,
    pub has_more: bool,
    pub head_seq: Seq,
}

impl ReadPage {
    pub fn parse(body: &[u8]) -> serde_json::Result<Self> {
        match serde_json::from_slice::<SyncPage>(body) {
            Ok(page) => Ok(Self::Whole(page)),
            Err(_) => serde_json::from_slice::<RawSyncPage>(body).map(Self::Raw),
        }
    }

    /// The events that read (up to the first that does not, and that one's error), and where
    /// the page stands.
    pub fn read(self) -> (ReadBatch, Option<AgentError>, PagePlace) {
        let place = |next_seq, has_more, head_seq| PagePlace {
            next_seq,
            has_more,
            head_seq,
        };
        match self {
            Self::Whole(page) => {
                let at = place(page.next_seq, page.has_more, page.head_seq);
                let batch = ReadBatch {
                    through: page.events.iter().map(|e| e.seq).max().unwrap_or(0),
                    events: page.events,
                    ..ReadBatch::default()
                };
                (batch, None, at)
            }
            Self::Raw(page) => {
                let (batch, error) = read_page(&page.events);
                (
                    batch,
                    error,
                    place(page.next_seq, page.has_more, page.head_seq),
                )
            }
        }
    }
}

/// What one event is to this version.
#[derive(Debug)]
// Nearly every event is known: boxing it would only add an allocation to each.
#[allow(clippy::large_enum_variant)]
pub enum ReadEvent {
    Known(Event),
    /// A type this version does not know: passed over.
    Unknown {
        seq: Seq,
        kind: String,
    },
}

/// The two members every event has, whatever its type.
#[derive(Deserialize)]
struct Envelope {
    seq: Seq,
    #[serde(rename = "type")]
    kind: String,
}

/// Reads one event.
pub fn read(text: &str) -> AgentResult<ReadEvent> {
    // The usual case first, at the cost of one parse.
    let error = match serde_json::from_str::<Event>(text) {
        Ok(event) => return Ok(ReadEvent::Known(event)),
        Err(e) => e,
    };
    match serde_json::from_str::<Envelope>(text) {
        Ok(Envelope { seq, kind }) if !EventPayload::knows(&kind) => {
            Ok(ReadEvent::Unknown { seq, kind })
        }
        Ok(Envelope { seq, kind }) => Err(AgentError::UnreadableEvent {
            seq: Some(seq),
            kind,
            reason: error.to_string(),
        }),
        Err(e) => Err(AgentError::UnreadableEvent {
            seq: None,
            kind: "?".into(),
            reason: e.to_string(),
        }),
    }
}

/// Events read from a page or from frames, up to the first that does not read.
#[derive(Debug, Default)]
pub struct ReadBatch {
    pub events: Vec<Event>,
    /// The highest seq read, known or not: where the cursor may move.
    pub through: Seq,
    /// The unknown events passed over.
    pub skipped: u64,
    /// Their types, for the log.
    pub skipped_kinds: Vec<String>,
}

impl ReadBatch {
    /// Adds an event; an unreadable one is returned and nothing after it should be added.
    pub fn push(&mut self, text: &str) -> AgentResult<()> {
        match read(text)? {
            ReadEvent::Known(event) => {
                self.through = self.through.max(event.seq);
                self.events.push(event);
            }
            ReadEvent::Unknown { seq, kind } => {
                self.through = self.through.max(seq);
                self.skipped += 1;
                if !self.skipped_kinds.contains(&kind) {
                    self.skipped_kinds.push(kind);
                }
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.skipped == 0
    }

    pub fn len(&self) -> usize {
        self.events.len() + self.skipped as usize
    }
}

/// Reads a page until its first unreadable event: the events before it, and the error.
pub fn read_page(events: &[Box<RawValue>]) -> (ReadBatch, Option<AgentError>) {
    let mut batch = ReadBatch::default();
    for raw in events {
        if let Err(e) = batch.push(raw.get()) {
            return (batch, Some(e));
        }
    }
    (batch, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact_removed(seq: Seq) -> String {
        format!(
            r#"{{"seq":{seq},"at":"2026-01-01T00:00:00.000Z","type":"contact.removed","data":{{"id":"c{seq}"}}}}"#
        )
    }

    #[test]
    fn unknown_types_are_passed_over_and_counted() {
        let mut batch = ReadBatch::default();
        batch.push(&contact_removed(1)).unwrap();
        batch
            .push(r#"{"seq":2,"at":"2026-01-01T00:00:00.000Z","type":"poll.created","data":{"q":"?"}}"#)
            .unwrap();
        batch.push(&contact_removed(3)).unwrap();
        assert_eq!(batch.events.len(), 2);
        assert_eq!((batch.through, batch.skipped), (3, 1));
        assert_eq!(batch.skipped_kinds, ["poll.created"]);
    }

    #[test]
    fn a_known_type_that_does_not_read_stops_the_page_before_it() {
        let page: Vec<Box<RawValue>> = [
            contact_removed(1),
            r#"{"seq":2,"at":"2026-01-01T00:00:00.000Z","type":"contact.removed","data":{"id":7}}"#
                .into(),
            contact_removed(3),
        ]
        .iter()
        .map(|t| RawValue::from_string(t.clone()).unwrap())
        .collect();
        let (batch, error) = read_page(&page);
        assert_eq!((batch.events.len(), batch.through), (1, 1));
        let error = error.expect("stops at seq 2");
        assert!(
            matches!(&error, AgentError::UnreadableEvent { seq: Some(2), kind, .. } if kind == "contact.removed"),
            "{error:?}"
        );
        assert!(error.to_string().contains("seq 2"), "{error}");
    }

    #[test]
    fn a_page_reads_whole_or_event_by_event() {
        let page = |events: &str| {
            format!(r#"{{"events":[{events}],"next_seq":9,"has_more":false,"head_seq":9}}"#)
        };
        let whole = ReadPage::parse(page(&contact_removed(4)).as_bytes()).unwrap();
        assert!(matches!(whole, ReadPage::Whole(_)));
        let (batch, error, place) = whole.read();
        assert!(error.is_none());
        assert_eq!(
            (batch.events.len(), batch.through, place.next_seq),
            (1, 4, 9)
        );
        let odd = format!(
            r#"{},{{"seq":5,"at":"2026-01-01T00:00:00.000Z","type":"poll.created","data":{{}}}}"#,
            contact_removed(4)
        );
        let raw = ReadPage::parse(page(&odd).as_bytes()).unwrap();
        assert!(matches!(raw, ReadPage::Raw(_)));
        let (batch, error, _) = raw.read();
        assert!(error.is_none());
        assert_eq!(
            (batch.events.len(), batch.skipped, batch.through),
            (1, 1, 5)
        );
        assert!(ReadPage::parse(b"{}").is_err());
    }

    #[test]
    fn a_frame_that_is_no_event_at_all_is_unreadable() {
        let mut batch = ReadBatch::default();
        assert!(matches!(
            batch.push("not json"),
            Err(AgentError::UnreadableEvent { seq: None, .. })
        ));
    }
}
