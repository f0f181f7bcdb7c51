-- Channels: raw webhook events stored before the platform gets its 200, attachments, and the
-- health of each channel's outbound side.

CREATE TABLE webhook_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel      text NOT NULL,
  -- the platform's id for the event (message id, call sid…): a platform retry is one row
  event_key    text NOT NULL,
  payload      jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz,
  outcome      text CHECK (outcome IN ('ticket_created', 'message_appended', 'duplicate', 'ignored', 'failed')),
  ticket_id    bigint REFERENCES tickets (id),
  error        text,
  UNIQUE (channel, event_key)
);
CREATE INDEX webhook_events_unprocessed ON webhook_events (id) WHERE processed_at IS NULL;

CREATE TABLE attachments (
  id           text PRIMARY KEY,
  ticket_id    bigint NOT NULL REFERENCES tickets (id),
  message_id   bigint REFERENCES messages (id),
  file_name    text NOT NULL,
  content_type text NOT NULL,
  size         bigint NOT NULL,
  sha256       text NOT NULL,
  storage_key  text NOT NULL,
  source_url   text,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_ticket ON attachments (ticket_id);

CREATE TABLE channel_health (
  channel              text PRIMARY KEY,
  status               text NOT NULL CHECK (status IN ('healthy', 'degraded', 'down')),
  reason               text,
  consecutive_failures int NOT NULL DEFAULT 0,
  last_success_at      timestamptz,
  last_failure_at      timestamptz,
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Email threading: the Message-ID of each mail we sent or received, per ticket.
CREATE INDEX messages_ticket_external ON messages (external_id) WHERE external_id IS NOT NULL;
