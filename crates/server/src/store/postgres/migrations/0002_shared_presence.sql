-- Live event streams per user and server instance, so that every instance judges presence by
-- all of them. A row of an instance that stopped heart-beating no longer counts. (The job
-- leases of SQLite's migration 6 are in this store's migration 1 already.)
CREATE TABLE stream_presence (
    instance_id  TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    connections  INTEGER NOT NULL,
    left_at      BIGINT,
    heartbeat_at BIGINT  NOT NULL,
    PRIMARY KEY (instance_id, user_id)
);
