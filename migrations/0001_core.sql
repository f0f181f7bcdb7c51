-- 1022 Hub core schema. Runs unchanged on PostgreSQL 15+ and on PGlite.

-- Administrative units: province → commune (the 2025 two-tier structure). Codes are reused
-- across structures, so the structure version is part of the key.
CREATE TABLE admin_units (
  structure    text NOT NULL DEFAULT '2025',
  code         text NOT NULL,
  level        text NOT NULL CHECK (level IN ('province', 'commune')),
  parent_code  text,
  name         text NOT NULL,
  name_en      text,
  full_name    text NOT NULL,
  full_name_en text,
  unit_type    text NOT NULL,
  -- diacritic-folded lower-case name, for matching typed addresses
  name_folded  text NOT NULL,
  -- GeoJSON geometry and its bounding box [minLng, minLat, maxLng, maxLat], when boundaries are loaded
  boundary     jsonb,
  bbox         double precision[],
  PRIMARY KEY (structure, code)
);
CREATE INDEX admin_units_parent ON admin_units (structure, parent_code);

CREATE TABLE categories (
  code       text PRIMARY KEY,
  name_vi    text NOT NULL,
  name_en    text NOT NULL,
  covers     text NOT NULL DEFAULT '',
  sort_order int  NOT NULL DEFAULT 0,
  active     boolean NOT NULL DEFAULT true
);

CREATE TABLE priorities (
  code    text PRIMARY KEY,
  name_vi text NOT NULL,
  name_en text NOT NULL,
  rank    int  NOT NULL UNIQUE
);

CREATE TABLE agencies (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code          text NOT NULL UNIQUE,
  name_vi       text NOT NULL,
  name_en       text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('department', 'police', 'utility', 'commune', 'centre', 'other')),
  province_code text,
  commune_code  text,
  email         text,
  phone         text,
  -- 24/7 agencies (police, utilities) run their SLA clocks around the clock
  always_on     boolean NOT NULL DEFAULT false,
  active        boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email         text NOT NULL,
  display_name  text NOT NULL,
  role          text NOT NULL CHECK (role IN ('operator', 'agency_staff', 'agency_lead', 'supervisor', 'admin')),
  agency_id     bigint REFERENCES agencies (id),
  password_hash text NOT NULL,
  active        boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz,
  CHECK ((role IN ('agency_staff', 'agency_lead')) = (agency_id IS NOT NULL))
);
CREATE UNIQUE INDEX staff_users_email ON staff_users (lower(email));

CREATE TABLE staff_sessions (
  -- SHA-256 of the cookie value: a leaked table does not yield usable sessions
  id           text PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);

CREATE TABLE citizens (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  display_name    text,
  phone           text,
  email           text,
  -- the citizen allowed agencies to see their contact details
  contact_consent boolean NOT NULL DEFAULT false,
  opted_out       boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- One citizen, several ways to reach them. A shared phone or email links channels.
CREATE TABLE citizen_identities (
  kind       text NOT NULL CHECK (kind IN ('phone', 'email', 'zalo', 'facebook', 'app', 'web')),
  value      text NOT NULL,
  citizen_id bigint NOT NULL REFERENCES citizens (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, value)
);
CREATE INDEX citizen_identities_citizen ON citizen_identities (citizen_id);

CREATE TABLE tickets (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code               text NOT NULL UNIQUE,
  tracking_token     text NOT NULL,
  status             text NOT NULL CHECK (status IN ('received', 'triaged', 'assigned', 'in_progress',
                       'waiting_for_citizen', 'resolved', 'closed', 'reopened', 'transferred', 'returned',
                       'rejected', 'merged')),
  channel            text NOT NULL CHECK (channel IN ('phone', 'sms', 'email', 'facebook', 'zalo', 'web', 'app', 'open311')),
  citizen_id         bigint NOT NULL REFERENCES citizens (id),
  category_code      text REFERENCES categories (code),
  priority           text NOT NULL DEFAULT 'normal' REFERENCES priorities (code),
  description        text NOT NULL,
  -- folded, lower-case text of code + description + address: search with or without diacritics
  search_text        text NOT NULL,
  location_lat       double precision,
  location_lng       double precision,
  address            text,
  province_code      text,
  commune_code       text,
  agency_id          bigint REFERENCES agencies (id),
  assignee_id        bigint REFERENCES staff_users (id),
  merged_into_id     bigint REFERENCES tickets (id),
  -- channel + ':' + clientRef (or the platform's first message id): a retried intake is one ticket
  idempotency_key    text,
  status_reason      text,
  resolution         text,
  publishable        boolean NOT NULL DEFAULT true,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  status_changed_at  timestamptz NOT NULL DEFAULT now(),
  first_response_at  timestamptz,
  resolved_at        timestamptz,
  closed_at          timestamptz
);
-- Partial: most reports carry no idempotency key, and their inserts skip this index.
CREATE UNIQUE INDEX tickets_idempotency ON tickets (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX tickets_status ON tickets (status, created_at DESC);
CREATE INDEX tickets_agency ON tickets (agency_id, status, created_at DESC);
CREATE INDEX tickets_assignee ON tickets (assignee_id) WHERE assignee_id IS NOT NULL;
CREATE INDEX tickets_citizen ON tickets (citizen_id, channel, created_at DESC);
CREATE INDEX tickets_created ON tickets (created_at DESC);
CREATE INDEX tickets_merged_into ON tickets (merged_into_id) WHERE merged_into_id IS NOT NULL;

CREATE TABLE messages (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id       bigint NOT NULL REFERENCES tickets (id),
  direction       text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  channel         text NOT NULL,
  -- the platform's message id (inbound) or the id the platform gave our reply (outbound)
  external_id     text,
  -- for outbound: one logical notice is one message (e.g. 'ack:PA-…'), whatever retries happen
  dedupe_key      text,
  author_staff_id bigint REFERENCES staff_users (id),
  citizen_id      bigint REFERENCES citizens (id),
  visibility      text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'internal')),
  body            text NOT NULL,
  attachments     jsonb NOT NULL DEFAULT '[]',
  delivery_status text NOT NULL CHECK (delivery_status IN ('received', 'queued', 'sent', 'delivered', 'failed', 'held', 'internal')),
  delivery_error  text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX messages_dedupe ON messages (dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE UNIQUE INDEX messages_external ON messages (channel, direction, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX messages_ticket ON messages (ticket_id, created_at);

-- Append-only audit log: who did what, when, from which state to which.
CREATE TABLE ticket_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id   bigint NOT NULL REFERENCES tickets (id),
  at          timestamptz NOT NULL DEFAULT now(),
  actor_kind  text NOT NULL CHECK (actor_kind IN ('staff', 'citizen', 'system')),
  actor_id    bigint,
  type        text NOT NULL,
  from_status text,
  to_status   text,
  data        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE FUNCTION ticket_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ticket_events is append-only';
END $$;
CREATE TRIGGER ticket_events_no_update BEFORE UPDATE OR DELETE ON ticket_events
  FOR EACH ROW EXECUTE FUNCTION ticket_events_append_only();

-- Transactional outbox: written in the same transaction as the change it announces.
CREATE TABLE outbox (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic         text NOT NULL,
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  dispatched_at timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE dispatched_at IS NULL;

-- The in-process job runner's queue (used when REDIS_URL is unset).
CREATE TABLE jobs (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name         text NOT NULL,
  payload      jsonb NOT NULL,
  dedupe_key   text NOT NULL UNIQUE,
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
  run_at       timestamptz NOT NULL DEFAULT now(),
  attempts     int NOT NULL DEFAULT 0,
  max_attempts int NOT NULL DEFAULT 8,
  locked_until timestamptz,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE status = 'pending';
CREATE INDEX jobs_running ON jobs (locked_until) WHERE status = 'running';

-- Which agency answers which category where. The most specific matching rule wins;
-- ties go to the lower precedence number.
CREATE TABLE routing_rules (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  category_code text REFERENCES categories (code),
  commune_code  text,
  keyword       text,
  agency_id     bigint NOT NULL REFERENCES agencies (id),
  precedence    int NOT NULL DEFAULT 100,
  active        boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Small key/value settings of the installation (e.g. which demo data was loaded).
CREATE TABLE settings (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
