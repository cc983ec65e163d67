-- The Messages Module: settings, channels, contacts, conversations, messages, comments,
-- files, snippets, closing-note categories, the event log and the durable job queue.

ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1;

-- Small key/value facts of the server (the signing key of file links, the log floor).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- One row: the workspace settings as JSON (the Settings wire type).
CREATE TABLE settings (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    json TEXT    NOT NULL
) STRICT;

CREATE TABLE channels (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT    NOT NULL,
    kind                  TEXT    NOT NULL,
    supports_voice        INTEGER NOT NULL,
    outbound_url          TEXT,
    bot_url               TEXT,
    api_token             TEXT    NOT NULL UNIQUE,
    signing_secret        TEXT    NOT NULL,
    allow_private_network INTEGER NOT NULL DEFAULT 0,
    created_at            INTEGER NOT NULL
) STRICT;

CREATE TABLE contacts (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT    NOT NULL,
    first_name           TEXT    NOT NULL,
    email                TEXT,
    phone                TEXT,
    tags                 TEXT    NOT NULL DEFAULT '[]',
    assignee_id          INTEGER REFERENCES users (id),
    open_conversation_id INTEGER,
    last_message_at      INTEGER,
    last_message_preview TEXT,
    waiting_since        INTEGER,
    created_at           INTEGER NOT NULL,
    -- Sort key of the inbox: the last message, else the creation.
    activity_at          INTEGER NOT NULL
) STRICT;
CREATE INDEX contacts_recent ON contacts (activity_at DESC, id DESC);
CREATE INDEX contacts_assignee ON contacts (assignee_id, activity_at DESC, id DESC);

-- A contact's identity on a channel: respond.io's contactId.
CREATE TABLE contact_channels (
    channel_id  INTEGER NOT NULL REFERENCES channels (id),
    external_id TEXT    NOT NULL,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (channel_id, external_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX contact_channels_contact ON contact_channels (contact_id);

CREATE TABLE conversations (
    id                INTEGER PRIMARY KEY,
    contact_id        INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    channel_id        INTEGER REFERENCES channels (id),
    status            TEXT    NOT NULL CHECK (status IN ('open', 'closed')),
    opened_at         INTEGER NOT NULL,
    opened_by         TEXT    NOT NULL,
    closed_at         INTEGER,
    closed_by         TEXT,
    closing_category  TEXT,
    closing_summary   TEXT,
    first_response_at INTEGER
) STRICT;
CREATE INDEX conversations_contact ON conversations (contact_id, id);
-- The rule "at most one open conversation per contact", enforced by the store itself.
CREATE UNIQUE INDEX conversations_one_open ON conversations (contact_id) WHERE status = 'open';

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    contact_id      INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    conversation_id INTEGER,
    channel_id      INTEGER,
    direction       TEXT    NOT NULL CHECK (direction IN ('incoming', 'outgoing', 'activity')),
    sender          TEXT    NOT NULL,
    sender_user_id  INTEGER,
    client_id       TEXT,
    external_id     TEXT,
    text            TEXT    NOT NULL,
    attachments     TEXT    NOT NULL DEFAULT '[]',
    delivery        TEXT    NOT NULL,
    error           TEXT,
    activity        TEXT,
    created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_timeline ON messages (contact_id, id DESC);
-- A provider's repeated webhook for the same (channel, mId) is stored once.
CREATE UNIQUE INDEX messages_inbound_mid ON messages (channel_id, external_id)
    WHERE direction = 'incoming' AND external_id IS NOT NULL;
-- Receipts find our outbound message by the provider's mId.
CREATE INDEX messages_outbound_mid ON messages (channel_id, external_id)
    WHERE direction = 'outgoing' AND external_id IS NOT NULL;
-- A user's retried send is stored once.
CREATE UNIQUE INDEX messages_client_id ON messages (sender_user_id, client_id)
    WHERE client_id IS NOT NULL;

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    -- NULL for a workflow's comment; `author` says who wrote it (an actor, as JSON).
    author_id  INTEGER REFERENCES users (id),
    author     TEXT    NOT NULL,
    client_id  TEXT,
    text       TEXT    NOT NULL,
    mentions   TEXT    NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX comments_contact ON comments (contact_id, id);
CREATE UNIQUE INDEX comments_client_id ON comments (author_id, client_id) WHERE client_id IS NOT NULL;

CREATE TABLE files (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    mime        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    uploaded_by INTEGER,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE snippets (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    shortcut TEXT NOT NULL UNIQUE,
    text     TEXT NOT NULL
) STRICT;

CREATE TABLE closing_note_categories (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    description TEXT NOT NULL
) STRICT;

-- The event log. `seq` is the rowid: max + 1 at each append, so with the single writer it grows
-- by one in commit order, and a refused (rolled back) write leaves no gap. Pruning always keeps
-- the newest event, so a seq is never handed out twice. `contact_id` and
-- `assignee_id` (the contact's assignee when the event was written) let readers filter by
-- visibility without decoding `data`.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    type        TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    contact_id  INTEGER,
    assignee_id INTEGER,
    data        TEXT    NOT NULL
) STRICT;

-- Durable background work (outbound delivery, attachment fetches, ...). A row lives until
-- its job succeeds or gives up.
CREATE TABLE jobs (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,
    payload    TEXT    NOT NULL,
    run_at     INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX jobs_due ON jobs (run_at);
