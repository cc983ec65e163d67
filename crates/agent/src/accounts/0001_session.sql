-- The signed-in session (at most one) and the last sign-in, to pre-fill the form.
CREATE TABLE session (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    server_url   TEXT    NOT NULL,
    token        TEXT    NOT NULL,
    user_json    TEXT    NOT NULL,
    signed_in_at INTEGER NOT NULL
) STRICT;

CREATE TABLE last_sign_in (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    server_url TEXT    NOT NULL,
    email      TEXT    NOT NULL
) STRICT;
