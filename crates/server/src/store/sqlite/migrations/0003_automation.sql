-- Workflows, the bot hand-off's bookkeeping, activity status, reporting facts and outgoing
-- integration webhooks.

-- The status a user chose (online or busy); `status` becomes offline without a live
-- connection and returns to this one when the user is back.
ALTER TABLE users ADD COLUMN chosen_status TEXT NOT NULL DEFAULT 'online'
    CHECK (chosen_status IN ('online', 'busy'));

CREATE TABLE workflows (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    enabled    INTEGER NOT NULL,
    trigger    TEXT    NOT NULL,
    conditions TEXT    NOT NULL,
    steps      TEXT    NOT NULL
) STRICT;
CREATE INDEX workflows_trigger ON workflows (trigger) WHERE enabled = 1;

-- Where round robin continues from (survives restarts).
CREATE TABLE workflow_state (
    workflow_id   INTEGER PRIMARY KEY REFERENCES workflows (id) ON DELETE CASCADE,
    last_assigned INTEGER
) STRICT;

-- One row per conversation: the facts reports are computed from, written in the same
-- transaction as the change they record.
CREATE TABLE conversation_facts (
    conversation_id   INTEGER PRIMARY KEY,
    opened_at         INTEGER NOT NULL,
    opened_assignee   INTEGER,
    first_response_at INTEGER,
    responder_id      INTEGER,
    closed_at         INTEGER,
    resolver_id       INTEGER
) STRICT;

CREATE TABLE integration_webhooks (
    id                    INTEGER PRIMARY KEY,
    url                   TEXT    NOT NULL,
    events                TEXT    NOT NULL,
    signing_secret        TEXT    NOT NULL,
    allow_private_network INTEGER NOT NULL,
    created_at            INTEGER NOT NULL
) STRICT;
