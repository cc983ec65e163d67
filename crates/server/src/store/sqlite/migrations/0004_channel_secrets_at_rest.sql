-- Channel secrets are encrypted at rest. Sealing needs the secret key, which lives outside the
-- database, so the server seals existing plaintext rows at start-up (sqlite/secrets_at_rest.rs)
-- right after this migration. The webhook finds a channel by the SHA-256 of its api_token.
ALTER TABLE channels ADD COLUMN api_token_sha256 TEXT;
CREATE UNIQUE INDEX channels_by_api_token_sha256 ON channels (api_token_sha256);
