-- Transparency page: resolved reports published with their official answers (src/transparency).

-- The published, anonymised text of each public ticket, rebuilt by the hub whenever its source
-- (ticket text, answer, the citizen's contact, the anonymiser's version) changes: the fingerprint
-- says which source a row was made from. Public search runs on search_text (folded, anonymised),
-- never on the original text, so a query cannot probe for a phone number or a name.
CREATE TABLE public_report_texts (
  ticket_id   bigint PRIMARY KEY REFERENCES tickets (id),
  fingerprint text NOT NULL,
  description text NOT NULL,
  answer      text NOT NULL,
  search_text text NOT NULL,
  built_at    timestamptz NOT NULL DEFAULT now()
);

-- The public list: published tickets with an answer, newest answer first. Partial, so it holds
-- only what the page can show and open tickets never touch it.
CREATE INDEX tickets_published ON tickets (resolved_at DESC, id DESC)
  WHERE publishable AND status IN ('resolved', 'closed') AND resolution IS NOT NULL AND merged_into_id IS NULL;
