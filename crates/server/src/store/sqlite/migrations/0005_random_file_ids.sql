-- File ids become unguessable: 32 hex characters of randomness (128 bits from SQLite's
-- CSPRNG here, a UUID v4 for new files) instead of the rowid, which anyone could count up.
-- Messages name their files inside their `attachments` JSON (there was no join table), and so
-- do the `message.upserted` events of the log: both are rewritten to the new ids, and from now
-- on `message_files` indexes which messages carry which file. The old
-- number stays as `legacy_id` only so that signed links handed to providers before the
-- upgrade keep working until they expire; nothing else accepts it.

CREATE TABLE files_new (
    id          TEXT    PRIMARY KEY,
    legacy_id   INTEGER UNIQUE,
    sha256      TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    mime        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    uploaded_by INTEGER,
    created_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO files_new (id, legacy_id, sha256, size, mime, name, uploaded_by, created_at)
SELECT lower(hex(randomblob(16))), id, sha256, size, mime, name, uploaded_by, created_at
FROM files;

-- Old id (as the JSON holds it, a string) to new id.
CREATE TEMP TABLE file_id_map (
    old TEXT PRIMARY KEY,
    new TEXT NOT NULL
);
INSERT INTO file_id_map (old, new) SELECT CAST(legacy_id AS TEXT), id FROM files_new;

DROP TABLE files;
ALTER TABLE files_new RENAME TO files;

UPDATE messages
SET attachments = (
    SELECT json_group_array(
        CASE WHEN m.new IS NULL THEN json(a.value) ELSE json_set(a.value, '$.file_id', m.new) END
        ORDER BY a.key)
    FROM json_each(messages.attachments) AS a
    LEFT JOIN file_id_map AS m ON m.old = json_extract(a.value, '$.file_id')
)
WHERE EXISTS (
    SELECT 1 FROM json_each(messages.attachments) AS a
    JOIN file_id_map AS m ON m.old = json_extract(a.value, '$.file_id')
);

-- json() keeps the rewritten list an array: a subquery's value loses its JSON subtype.
UPDATE events
SET data = json_set(data, '$.attachments', json((
    SELECT json_group_array(
        CASE WHEN m.new IS NULL THEN json(a.value) ELSE json_set(a.value, '$.file_id', m.new) END
        ORDER BY a.key)
    FROM json_each(events.data, '$.attachments') AS a
    LEFT JOIN file_id_map AS m ON m.old = json_extract(a.value, '$.file_id')
)))
WHERE type = 'message.upserted'
  AND EXISTS (
    SELECT 1 FROM json_each(events.data, '$.attachments') AS a
    JOIN file_id_map AS m ON m.old = json_extract(a.value, '$.file_id')
);

-- Which messages carry which file, for the access rule that every attach and download asks
-- (instead of scanning every message's JSON). Triggers keep it in step with `attachments`.
CREATE TABLE message_files (
    file_id    TEXT    NOT NULL,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (file_id, message_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_files_message ON message_files (message_id);

INSERT OR IGNORE INTO message_files (file_id, message_id)
SELECT json_extract(a.value, '$.file_id'), m.id
FROM messages AS m, json_each(m.attachments) AS a
WHERE json_extract(a.value, '$.file_id') IS NOT NULL;

CREATE TRIGGER message_files_on_insert AFTER INSERT ON messages
BEGIN
    INSERT OR IGNORE INTO message_files (file_id, message_id)
    SELECT json_extract(a.value, '$.file_id'), NEW.id FROM json_each(NEW.attachments) AS a
    WHERE json_extract(a.value, '$.file_id') IS NOT NULL;
END;

CREATE TRIGGER message_files_on_update AFTER UPDATE OF attachments ON messages
BEGIN
    DELETE FROM message_files WHERE message_id = NEW.id;
    INSERT OR IGNORE INTO message_files (file_id, message_id)
    SELECT json_extract(a.value, '$.file_id'), NEW.id FROM json_each(NEW.attachments) AS a
    WHERE json_extract(a.value, '$.file_id') IS NOT NULL;
END;

-- Clients keep the old ids in their caches. When there were files, every cursor handed out so
-- far is put below the log's floor, so each client starts again from /snapshot and fetches its
-- timelines anew. The newest event is appended once more (applying an event twice is
-- harmless) so that the floor is a cursor the log still holds.
INSERT INTO events (type, at, contact_id, assignee_id, data)
SELECT type, at, contact_id, assignee_id, data FROM events
WHERE seq = (SELECT MAX(seq) FROM events)
  AND EXISTS (SELECT 1 FROM file_id_map);

INSERT OR REPLACE INTO meta (key, value)
SELECT 'event_log_floor', CAST(MAX(seq) AS TEXT) FROM events
WHERE EXISTS (SELECT 1 FROM file_id_map)
HAVING MAX(seq) IS NOT NULL;

DROP TABLE temp.file_id_map;
