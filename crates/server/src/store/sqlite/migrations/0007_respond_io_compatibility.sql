-- respond.io compatibility: what providers tell of a contact, the sender's own time of a
-- message, messages the business sent from the provider's app (echoes), and the workspace
-- access tokens of the Developer API.
ALTER TABLE contacts ADD COLUMN language TEXT;
ALTER TABLE contacts ADD COLUMN country_code TEXT;
ALTER TABLE contacts ADD COLUMN timezone TEXT;
ALTER TABLE contacts ADD COLUMN avatar_file_id TEXT;
-- Who may download a file: also whoever may see a contact it is the picture of.
CREATE INDEX contacts_avatar ON contacts (avatar_file_id) WHERE avatar_file_id IS NOT NULL;

ALTER TABLE messages ADD COLUMN sent_at INTEGER;
-- An echo's mId, so that a provider's repeated echo is stored once (our own outgoing
-- messages' mIds are not unique: a provider may answer the same one twice).
ALTER TABLE messages ADD COLUMN echo_mid TEXT;
CREATE UNIQUE INDEX messages_echo_mid ON messages (channel_id, echo_mid)
    WHERE echo_mid IS NOT NULL;

-- Only the digest of a token is kept; the token is shown once, when it is created.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    digest       TEXT    NOT NULL UNIQUE,
    -- The token's last characters, so that people can tell their tokens apart.
    hint         TEXT    NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;

-- Custom contact fields; a contact's values are kept by slug, as JSON.
CREATE TABLE custom_fields (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL,
    slug           TEXT    NOT NULL UNIQUE,
    description    TEXT    NOT NULL,
    data_type      TEXT    NOT NULL,
    allowed_values TEXT    NOT NULL DEFAULT '[]',
    created_at     INTEGER NOT NULL
) STRICT;
ALTER TABLE contacts ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';

-- The Developer API finds contacts by email and phone (any case; by the phone's digits, also
-- among channel identities): these indexes are on exactly the expressions it compares (see
-- `address_lookup`, which a test holds to them).
CREATE INDEX contacts_email_key ON contacts (lower(email));
CREATE INDEX contacts_phone_key ON contacts (replace(replace(replace(replace(replace(replace(replace(phone, '+', ''), ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '/', ''));
CREATE INDEX contact_channels_phone_key ON contact_channels (replace(replace(replace(replace(replace(replace(replace(external_id, '+', ''), ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '/', ''));
