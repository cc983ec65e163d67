-- Jobs are claimed with a lease, so that several runners (several server instances on one
-- database) never run one job at once, and a job whose runner died is taken over when its
-- lease expires.
ALTER TABLE jobs ADD COLUMN locked_by TEXT;
ALTER TABLE jobs ADD COLUMN locked_until INTEGER;

-- Live event streams per user and server instance, so that every instance judges presence
-- by all of them. A row of an instance that stopped heart-beating no longer counts.
CREATE TABLE stream_presence (
    instance_id  TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    connections  INTEGER NOT NULL,
    left_at      INTEGER,
    heartbeat_at INTEGER NOT NULL,
    PRIMARY KEY (instance_id, user_id)
) STRICT;
