-- Understanding reports: what the classifier, the area locator, routing and duplicate detection
-- decided for each ticket, kept on the ticket so staff see why it went where it went.

ALTER TABLE tickets
  -- {category, confidence, priority, priorityConfidence, alternatives, explanation, model}
  ADD COLUMN classification  jsonb,
  -- {agencyId, ruleId, level, reasonVi, reasonEn, areaVia, areaDetail}
  ADD COLUMN routing         jsonb,
  -- why an operator must look before the ticket moves on ('low_confidence', 'no_area', 'no_rule', 'probable_duplicate', 'urgent')
  ADD COLUMN review_reasons  text[] NOT NULL DEFAULT '{}',
  ADD COLUMN duplicate_of_id bigint REFERENCES tickets (id),
  ADD COLUMN duplicate_score real,
  ADD COLUMN understood_at   timestamptz;

-- Candidates for duplicate detection: open tickets of a category, newest first.
CREATE INDEX tickets_open_by_category ON tickets (category_code, created_at DESC)
  WHERE status NOT IN ('resolved', 'closed', 'rejected', 'merged');
-- The operators' triage queue.
CREATE INDEX tickets_needs_review ON tickets (created_at) WHERE cardinality(review_reasons) > 0 AND status IN ('received', 'returned');

-- An operator's correction of the classifier: training data for the next `npm run train`.
CREATE TABLE classification_feedback (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id           bigint NOT NULL REFERENCES tickets (id),
  text                text NOT NULL,
  predicted_category  text,
  predicted_priority  text,
  corrected_category  text NOT NULL REFERENCES categories (code),
  corrected_priority  text NOT NULL REFERENCES priorities (code),
  staff_id            bigint REFERENCES staff_users (id),
  created_at          timestamptz NOT NULL DEFAULT now(),
  -- set when `npm run train` has used it
  trained_at          timestamptz
);
CREATE UNIQUE INDEX classification_feedback_ticket ON classification_feedback (ticket_id);

ALTER TABLE routing_rules
  ADD COLUMN note       text,
  ADD COLUMN created_by bigint REFERENCES staff_users (id),
  ADD COLUMN updated_by bigint REFERENCES staff_users (id);
CREATE INDEX routing_rules_active ON routing_rules (category_code) WHERE active;

-- Every change to a routing rule: who, when, before and after.
CREATE TABLE routing_rule_audit (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule_id    bigint NOT NULL,
  action     text NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
  staff_id   bigint REFERENCES staff_users (id),
  at         timestamptz NOT NULL DEFAULT now(),
  before     jsonb,
  after      jsonb
);
CREATE INDEX routing_rule_audit_rule ON routing_rule_audit (rule_id, id);

-- Extra place names admins map to a commune (street names, villages, landmarks).
CREATE TABLE area_aliases (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alias       text NOT NULL,
  commune_code text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (alias, commune_code)
);
