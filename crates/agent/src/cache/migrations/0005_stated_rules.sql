-- Users now carry their capabilities and settings the closing-note rules, as the server states
-- them; a cache filled before holds neither. Forgetting the cursor makes the next sync start
-- again from the server's snapshot (the outbox and local echoes are kept, as after a 410).
DELETE FROM meta WHERE key = 'last_seq';
