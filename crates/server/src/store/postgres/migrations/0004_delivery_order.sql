-- Deliveries keep each contact's order: a message waits while an older outgoing one to its
-- contact is pending (outgoing_pending_before). Pending messages are few, so this index
-- answers that at once however long the contact's history.
CREATE INDEX messages_pending_outgoing ON messages (contact_id, id)
    WHERE direction = 'outgoing' AND delivery = 'pending';
