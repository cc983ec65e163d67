-- A contact's row in the inbox counts its pending replies: `activity_at` (the sort key) is the
-- later of the server's activity and the newest local echo, whose text is the preview.
ALTER TABLE contacts ADD COLUMN server_activity_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN pending_at INTEGER;
ALTER TABLE contacts ADD COLUMN pending_text TEXT;
UPDATE contacts SET server_activity_at = activity_at;
-- Echoes already waiting (sort keys from 2^60 on are local).
UPDATE contacts SET
    pending_at = (SELECT MAX(m.created_at) FROM messages m
                  WHERE m.contact_id = contacts.id AND m.sort_key >= 1152921504606846976),
    pending_text = (SELECT m.text FROM messages m
                    WHERE m.contact_id = contacts.id AND m.sort_key >= 1152921504606846976
                    ORDER BY m.created_at DESC, m.sort_key DESC LIMIT 1)
WHERE id IN (SELECT contact_id FROM messages WHERE sort_key >= 1152921504606846976);
UPDATE contacts SET activity_at = MAX(server_activity_at, pending_at) WHERE pending_at IS NOT NULL;
