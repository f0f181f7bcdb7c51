-- A citizen's messages are handled in the order they arrived: each stored platform event names its
-- sender, and the inbound job of a later event waits (is retried) while an earlier event of the same
-- sender on the same channel is still unprocessed. Without it two messages seconds apart could be
-- threaded concurrently and open two tickets, or join in the wrong order.
ALTER TABLE webhook_events ADD COLUMN sender text;
CREATE INDEX webhook_events_sender_pending ON webhook_events (channel, sender, id)
  WHERE processed_at IS NULL AND sender IS NOT NULL;
