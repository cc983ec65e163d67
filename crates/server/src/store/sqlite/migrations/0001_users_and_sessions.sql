-- Users of the workspace and their sign-in sessions.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'manager', 'agent')),
    status        TEXT    NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'busy', 'offline')),
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;
-- Emails are stored trimmed and lower-cased by the domain; the index makes them unique.
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
