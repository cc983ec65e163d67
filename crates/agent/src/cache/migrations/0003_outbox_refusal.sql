-- Why the server refused an outbox item, as data (code, status, whether a retry may pass),
-- beside the sentence in `error`.
ALTER TABLE outbox ADD COLUMN refusal TEXT;
