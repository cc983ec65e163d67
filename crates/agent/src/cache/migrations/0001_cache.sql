-- The agent's local cache for one (server, user): what the agent has seen, readable offline.
-- Entities are kept as their wire JSON plus the columns the inbox and timeline sort and
-- filter by.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE users (id TEXT PRIMARY KEY, json TEXT NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE channels (id TEXT PRIMARY KEY, json TEXT NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE categories (id TEXT PRIMARY KEY, json TEXT NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE snippets (id TEXT PRIMARY KEY, json TEXT NOT NULL) STRICT, WITHOUT ROWID;

CREATE TABLE contacts (
    id            TEXT    PRIMARY KEY,
    json          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    assignee_id   TEXT,
    is_open       INTEGER NOT NULL,
    activity_at   INTEGER NOT NULL,
    waiting_since INTEGER,
    -- What search finds the contact by (name, email, phone).
    search_text   TEXT    NOT NULL DEFAULT '',
    -- Local: incoming messages not yet seen in the app.
    unread        INTEGER NOT NULL DEFAULT 0,
    -- Local: the oldest message id from which on the cache holds the whole timeline, and
    -- whether nothing older exists.
    history_from  INTEGER,
    history_done  INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
CREATE INDEX contacts_recent ON contacts (is_open, activity_at DESC);
CREATE INDEX contacts_assignee ON contacts (assignee_id, is_open, activity_at DESC);

CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL,
    json       TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX conversations_contact ON conversations (contact_id);

-- Messages from the server, and local echoes of messages in the outbox.
CREATE TABLE messages (
    -- The server id as a number (timeline order); local echoes sort after everything.
    sort_key   INTEGER PRIMARY KEY,
    contact_id TEXT    NOT NULL,
    client_id  TEXT,
    text       TEXT    NOT NULL,
    json       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_timeline ON messages (contact_id, created_at, sort_key);
CREATE INDEX messages_client ON messages (client_id) WHERE client_id IS NOT NULL;

CREATE TABLE comments (
    sort_key   INTEGER PRIMARY KEY,
    contact_id TEXT    NOT NULL,
    client_id  TEXT,
    json       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX comments_contact ON comments (contact_id, created_at, sort_key);
CREATE INDEX comments_client ON comments (client_id) WHERE client_id IS NOT NULL;

-- Full-text search over message text and comments (rowid: a message's id × 4, a comment's
-- × 4 + 1, so rowid order is recency), and over contacts' names, emails and phones.
CREATE VIRTUAL TABLE contact_search USING fts5(
    text,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE VIRTUAL TABLE search USING fts5(
    text,
    kind UNINDEXED,
    ref_id UNINDEXED,
    contact_id UNINDEXED,
    at UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- Every write the agent makes, stored before it is sent.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    client_id       TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    contact_id      TEXT,
    payload         TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('queued', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
) STRICT;

-- Files seen in attachments: their bodies live in files/<sha256> while `stored`.
CREATE TABLE files (
    file_id      TEXT    PRIMARY KEY,
    sha256       TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    mime         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    stored       INTEGER NOT NULL DEFAULT 0,
    last_used_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX files_lru ON files (stored, last_used_at);

-- The last report fetched per query, shown when offline.
CREATE TABLE reports (
    query      TEXT    PRIMARY KEY,
    json       TEXT    NOT NULL,
    fetched_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
