-- A delivery is claimed before it is sent ('sending'), so two workers (a stalled job picked up
-- again, a recovery sweep racing the first attempt) can never send the same message twice.
-- A claim left behind by a process killed mid-send becomes 'unconfirmed' for automatic notices
-- (the platform may have it: a second acknowledgement is noise) and is queued again for staff
-- replies (an official answer twice is better than none).
ALTER TABLE messages DROP CONSTRAINT messages_delivery_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_delivery_status_check
  CHECK (delivery_status IN ('received', 'queued', 'sending', 'sent', 'delivered', 'failed', 'held', 'unconfirmed', 'internal'));
CREATE INDEX messages_sending ON messages (updated_at) WHERE delivery_status = 'sending';
