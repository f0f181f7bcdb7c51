-- Platform delivery receipts (Messenger delivery events, Zalo user_received_message, Twilio status
-- callbacks) are stored like any webhook event and recorded with their own outcome.
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_outcome_check;
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_outcome_check
  CHECK (outcome IN ('ticket_created', 'message_appended', 'duplicate', 'ignored', 'failed', 'receipt'));
