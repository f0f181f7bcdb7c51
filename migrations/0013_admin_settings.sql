-- Administration: categories and agencies edited in the console, channels switched at runtime,
-- and one audit trail for staff accounts, categories, agencies and channel switches.

ALTER TABLE categories
  -- the priority a new ticket of this category gets when the classifier finds nothing special
  ADD COLUMN default_priority text REFERENCES priorities (code),
  -- set once an admin edits or adds the category: the shipped file no longer overwrites its names
  ADD COLUMN edited_at timestamptz,
  ADD COLUMN edited_by bigint REFERENCES staff_users (id);

ALTER TABLE agencies
  ADD COLUMN short_name text,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- A channel whose secrets are set is on unless an admin switched it off here (no row = on).
CREATE TABLE channel_settings (
  channel    text PRIMARY KEY CHECK (channel IN ('phone', 'sms', 'email', 'facebook', 'zalo', 'web', 'app', 'open311')),
  enabled    boolean NOT NULL,
  changed_by bigint REFERENCES staff_users (id),
  changed_at timestamptz NOT NULL DEFAULT now()
);

-- Every administrative change outside routing and SLA (which keep their own trails): who, when,
-- before and after. Passwords never appear here, only that one was reset.
CREATE TABLE admin_audit (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  entity     text NOT NULL CHECK (entity IN ('staff_user', 'category', 'agency', 'channel')),
  entity_key text NOT NULL,
  action     text NOT NULL CHECK (action IN ('created', 'updated')),
  staff_id   bigint REFERENCES staff_users (id),
  at         timestamptz NOT NULL DEFAULT now(),
  before     jsonb,
  after      jsonb
);
CREATE INDEX admin_audit_entity ON admin_audit (entity, entity_key, id);
