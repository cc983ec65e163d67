//! Full-text search over cached message text, comments and contacts (SQLite FTS5): every word
//! typed matches as a prefix, results come with the matches marked.

use messenger_protocol::{ContactId, Timestamp};
use rusqlite::params;

use super::Cache;
use crate::error::AgentResult;
use crate::view::{SearchHit, SearchHitKind};

const OPEN: char = '\u{1}';
const CLOSE: char = '\u{2}';

/// The FTS5 query for what a person typed: each word a quoted prefix, all required.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric() && c != '@' && c != '+' && c != '.' && c != '\'')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            OPEN => out.push_str("<mark>"),
            CLOSE => out.push_str("</mark>"),
            c => out.push(c),
        }
    }
    out
}

impl Cache {
    /// Contacts whose name, email or phone match come first (best match first), then
    /// messages and comments, newest first: reading the index in rowid order stops after
    /// `limit` hits instead of ranking every match, which keeps common words fast.
    pub fn search(&self, input: &str, limit: u32) -> AgentResult<Vec<SearchHit>> {
        let Some(query) = fts_query(input) else {
            return Ok(Vec::new());
        };
        let conn = self.reader();
        let mut hits = Vec::new();
        {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT c.id, c.name, snippet(contact_search, 0, '{OPEN}', '{CLOSE}', '…', 12)
                 FROM contact_search s JOIN contacts c ON c.id = CAST(s.rowid AS TEXT)
                 WHERE contact_search MATCH ?1 ORDER BY rank LIMIT ?2"
            ))?;
            let rows = stmt.query_map(params![query, i64::from(limit.min(10))], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            for row in rows {
                let (id, name, snippet) = row?;
                hits.push(SearchHit {
                    contact_id: ContactId(id),
                    contact_name: name,
                    kind: SearchHitKind::Contact,
                    ref_id: None,
                    snippet: escape_html(&snippet),
                    at: None,
                });
            }
        }
        let left = i64::from(limit).saturating_sub(hits.len() as i64).max(0);
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT s.kind, s.ref_id, s.contact_id, s.at, snippet(search, 0, '{OPEN}', '{CLOSE}', '…', 12), c.name
             FROM search s JOIN contacts c ON c.id = s.contact_id
             WHERE search MATCH ?1 ORDER BY s.rowid DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![query, left], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        for row in rows {
            let (kind, ref_id, contact_id, at, snippet, name) = row?;
            hits.push(SearchHit {
                contact_id: ContactId(contact_id),
                contact_name: name,
                kind: if kind == "comment" {
                    SearchHitKind::Comment
                } else {
                    SearchHitKind::Message
                },
                ref_id,
                snippet: escape_html(&snippet),
                at: at.and_then(Timestamp::from_millis),
            });
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_required_prefixes_and_syntax_is_neutralised() {
        assert_eq!(
            fts_query("refund ord").as_deref(),
            Some("\"refund\"* \"ord\"*")
        );
        assert_eq!(
            fts_query("\"NEAR(x\" OR -y").as_deref(),
            Some("\"NEAR\"* \"x\"* \"OR\"* \"y\"*")
        );
        assert_eq!(fts_query("  ").as_deref(), None);
        assert_eq!(
            fts_query("maria@example.com").as_deref(),
            Some("\"maria@example.com\"*")
        );
    }

    #[test]
    fn snippets_escape_html_and_keep_marks() {
        assert_eq!(
            escape_html("a <b> \u{1}x\u{2} & y"),
            "a &lt;b&gt; <mark>x</mark> &amp; y"
        );
    }
}
