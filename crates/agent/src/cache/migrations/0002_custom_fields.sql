-- The workspace's custom contact fields (values live in each contact's JSON).
CREATE TABLE custom_fields (id TEXT PRIMARY KEY, json TEXT NOT NULL) STRICT, WITHOUT ROWID;
