-- An outbox row is finished when its job has run, not when it was handed to the queue: Redis keeps
-- nothing on disk, so a job lost between dispatch and execution is re-enqueued from here.
ALTER TABLE outbox ADD COLUMN completed_at timestamptz;
ALTER TABLE outbox ADD COLUMN failed boolean NOT NULL DEFAULT false;
UPDATE outbox SET completed_at = dispatched_at WHERE dispatched_at IS NOT NULL;
CREATE INDEX outbox_unfinished ON outbox (dispatched_at) WHERE completed_at IS NULL AND dispatched_at IS NOT NULL;
CREATE INDEX messages_queued ON messages (updated_at) WHERE delivery_status = 'queued';
