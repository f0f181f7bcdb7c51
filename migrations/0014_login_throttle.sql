-- Failed staff logins per account and per IP (keys are hashes), shared by every process when no
-- Redis is configured (src/db/login-throttle-store.ts). state is the JSON the throttle compares and
-- sets; a row past expires_at counts as absent and is deleted now and then.
CREATE TABLE login_throttle (
  key text PRIMARY KEY,
  state text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX login_throttle_expires ON login_throttle (expires_at);
