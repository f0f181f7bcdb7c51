-- SLA: policies, the clocks' state on each ticket, extensions, and staff notifications.

-- Targets per category × priority; a row with category_code NULL covers every category of its
-- priority. No rows: the built-in defaults apply (src/sla/policy.ts).
CREATE TABLE sla_policies (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  category_code     text REFERENCES categories (code),
  priority          text NOT NULL REFERENCES priorities (code),
  response_amount   real NOT NULL CHECK (response_amount > 0),
  response_unit     text NOT NULL CHECK (response_unit IN ('working_hours', 'working_days')),
  resolution_amount real NOT NULL CHECK (resolution_amount > 0),
  resolution_unit   text NOT NULL CHECK (resolution_unit IN ('working_hours', 'working_days')),
  warn_at_fraction  real NOT NULL DEFAULT 0.75 CHECK (warn_at_fraction > 0 AND warn_at_fraction < 1),
  transfer_mode     text NOT NULL DEFAULT 'continue' CHECK (transfer_mode IN ('continue', 'restart')),
  updated_by        bigint REFERENCES staff_users (id),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sla_policies_key ON sla_policies (coalesce(category_code, ''), priority);

CREATE TABLE sla_policy_audit (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  policy_id bigint NOT NULL,
  action    text NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
  staff_id  bigint REFERENCES staff_users (id),
  at        timestamptz NOT NULL DEFAULT now(),
  before    jsonb,
  after     jsonb
);

-- Days off and make-up working days the government announces each year, added by admins
-- (beside the shipped data/calendar/*.json files).
CREATE TABLE calendar_adjustments (
  date       date PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('day_off', 'working_day')),
  reason     text NOT NULL,
  created_by bigint REFERENCES staff_users (id),
  created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE tickets
  -- the clocks (src/sla/clock.ts SlaState), folded from every SLA-relevant change
  ADD COLUMN sla_state             jsonb,
  ADD COLUMN sla_response_due_at   timestamptz,
  ADD COLUMN sla_resolution_due_at timestamptz,
  -- the next warning or breach check; NULL when no clock runs
  ADD COLUMN sla_next_timer_at     timestamptz,
  -- the first breach, at the deadline it missed (recorded once)
  ADD COLUMN sla_breached_at       timestamptz,
  ADD COLUMN sla_outcome           text;
-- The sweep reads only what is due: proportional to the number due, not the number open.
CREATE INDEX tickets_sla_next_timer ON tickets (sla_next_timer_at) WHERE sla_next_timer_at IS NOT NULL;

-- "Xin gia hạn": an agency asks for a later resolution deadline; a supervisor decides.
CREATE TABLE sla_extensions (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id        bigint NOT NULL REFERENCES tickets (id),
  requested_by     bigint NOT NULL REFERENCES staff_users (id),
  requested_at     timestamptz NOT NULL,
  requested_due_at timestamptz NOT NULL,
  reason           text NOT NULL,
  status           text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'approved', 'refused')),
  decided_by       bigint REFERENCES staff_users (id),
  decided_at       timestamptz,
  decision_note    text
);
CREATE UNIQUE INDEX sla_extensions_one_open ON sla_extensions (ticket_id) WHERE status = 'requested';
CREATE INDEX sla_extensions_pending ON sla_extensions (requested_at) WHERE status = 'requested';

-- What staff are told (SLA warnings, breaches, escalations): the console lists and clears them.
CREATE TABLE staff_notifications (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  staff_id   bigint NOT NULL REFERENCES staff_users (id),
  ticket_id  bigint REFERENCES tickets (id),
  kind       text NOT NULL,
  body       text NOT NULL,
  -- one notice per staff member per event (a timer that fires twice tells nobody twice)
  dedupe_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at    timestamptz,
  UNIQUE (staff_id, dedupe_key)
);
CREATE INDEX staff_notifications_unread ON staff_notifications (staff_id, created_at DESC) WHERE read_at IS NULL;
