-- Satisfaction surveys: after a ticket is resolved the citizen is asked, on the channel they used,
-- whether they are satisfied (and a 1–5 score). One survey per resolution, bound to a single-use
-- token; the ticket keeps its latest answer, which the IOC rollups count (design: src/satisfaction/README.md).

ALTER TABLE citizens ADD COLUMN survey_opted_out boolean NOT NULL DEFAULT false;

ALTER TABLE tickets
  ADD COLUMN satisfaction_satisfied   boolean,
  ADD COLUMN satisfaction_score       smallint CHECK (satisfaction_score BETWEEN 1 AND 5),
  ADD COLUMN satisfaction_answered_at timestamptz,
  -- reopenings the citizen asked for from a survey ("not satisfied"), against SURVEY_MAX_REOPENS
  ADD COLUMN survey_reopens           smallint NOT NULL DEFAULT 0;

-- What an outbound message offers besides its text: quick-reply choices (Zalo buttons, Messenger
-- quick replies) and, for a survey, its token (a voice channel asks by keypad on a callback).
ALTER TABLE messages ADD COLUMN interactive jsonb;

CREATE TABLE satisfaction_surveys (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id      bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  -- 1 for the first resolution, 2 after the ticket was reopened and resolved again, …
  round          smallint NOT NULL,
  -- single-use: answering sets answered_at, and a second answer is refused
  token          text NOT NULL UNIQUE,
  channel        text NOT NULL,
  sent_at        timestamptz NOT NULL,
  remind_at      timestamptz,
  reminded_at    timestamptz,
  -- answers after this are refused (late answers before it still count)
  expires_at     timestamptz NOT NULL,
  status         text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'answered', 'cancelled')),
  answered_at    timestamptz,
  satisfied      boolean,
  score          smallint CHECK (score BETWEEN 1 AND 5),
  comment        text,
  answer_channel text,
  -- the platform message that carried the answer: a webhook retry finds it answered by itself
  answer_ref     text,
  reopen_requested_at timestamptz,
  UNIQUE (ticket_id, round)
);
CREATE INDEX satisfaction_surveys_reminders ON satisfaction_surveys (remind_at)
  WHERE status = 'sent' AND reminded_at IS NULL AND remind_at IS NOT NULL;
CREATE INDEX satisfaction_surveys_ticket ON satisfaction_surveys (ticket_id, round DESC);

-- IOC rollups count the answers (hour of the answer) and, in the received hour, the cohort KPIs
-- "share satisfied / not satisfied" of the reports received in a period.
ALTER TABLE ioc_rollup_delta
  ADD COLUMN rated int NOT NULL DEFAULT 0, ADD COLUMN rated_satisfied int NOT NULL DEFAULT 0,
  ADD COLUMN score_sum int NOT NULL DEFAULT 0, ADD COLUMN score_n int NOT NULL DEFAULT 0,
  ADD COLUMN cohort_rated int NOT NULL DEFAULT 0, ADD COLUMN cohort_satisfied int NOT NULL DEFAULT 0;
ALTER TABLE ioc_rollup_hourly
  ADD COLUMN rated bigint NOT NULL DEFAULT 0, ADD COLUMN rated_satisfied bigint NOT NULL DEFAULT 0,
  ADD COLUMN score_sum bigint NOT NULL DEFAULT 0, ADD COLUMN score_n bigint NOT NULL DEFAULT 0,
  ADD COLUMN cohort_rated bigint NOT NULL DEFAULT 0, ADD COLUMN cohort_satisfied bigint NOT NULL DEFAULT 0;
ALTER TABLE ioc_rollup_marginal
  ADD COLUMN rated bigint NOT NULL DEFAULT 0, ADD COLUMN rated_satisfied bigint NOT NULL DEFAULT 0,
  ADD COLUMN score_sum bigint NOT NULL DEFAULT 0, ADD COLUMN score_n bigint NOT NULL DEFAULT 0,
  ADD COLUMN cohort_rated bigint NOT NULL DEFAULT 0, ADD COLUMN cohort_satisfied bigint NOT NULL DEFAULT 0;

-- The contributions gain the answer; triggers, fold and rebuild are redefined with the new columns
-- (generated from one column list, same shape as 0008). No rebuild: no ticket has an answer yet.
DROP TRIGGER tickets_ioc_rollup_insert ON tickets;
DROP TRIGGER tickets_ioc_rollup_update ON tickets;
DROP TRIGGER tickets_ioc_rollup_delete ON tickets;
DROP FUNCTION ioc_rollup_capture();
DROP FUNCTION ioc_ticket_contributions(timestamptz, text, text, bigint, text, text, timestamptz, timestamptz, timestamptz, timestamptz, text);

CREATE FUNCTION ioc_ticket_contributions(
  p_created_at timestamptz, p_channel text, p_category_code text, p_agency_id bigint, p_commune_code text, p_status text,
  p_first_response_at timestamptz, p_resolved_at timestamptz, p_closed_at timestamptz, p_breached_at timestamptz, p_outcome text,
  p_rated_at timestamptz, p_satisfied boolean, p_score smallint)
RETURNS TABLE (
  hour timestamptz, channel text, category_code text, agency_id bigint, commune_code text, frt_bucket smallint, res_bucket smallint,
  received int, resolved int, closed int, breached int, first_response_n int, first_response_ms_sum bigint,
  resolution_ms_sum bigint, on_time int, late_with_extension int, late int,
  cohort_excluded int, cohort_processed int, cohort_on_time int, cohort_late_with_extension int, cohort_late int,
  rated int, rated_satisfied int, score_sum int, score_n int, cohort_rated int, cohort_satisfied int)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH t AS (
    SELECT coalesce(p_category_code, '') AS cat, coalesce(p_agency_id, 0::bigint) AS agency, coalesce(p_commune_code, '') AS commune,
      -- processed as in src/sla/stats.ts: resolved or closed with a resolution recorded
      (p_status IN ('resolved', 'closed') AND p_resolved_at IS NOT NULL) AS processed,
      (p_rated_at IS NOT NULL AND p_satisfied IS NOT NULL) AS rated,
      greatest(extract(epoch FROM p_first_response_at - p_created_at), 0) AS frt_seconds,
      greatest(extract(epoch FROM p_resolved_at - p_created_at), 0) AS res_seconds
    WHERE p_created_at IS NOT NULL
  )
  SELECT date_trunc('hour', p_created_at, 'UTC'), p_channel, t.cat, t.agency, t.commune, -1::smallint, -1::smallint,
    1, 0, 0, 0, 0, 0::bigint, 0::bigint, 0, 0, 0,
    (p_status IN ('rejected', 'merged'))::int, t.processed::int,
    (t.processed AND p_outcome IS NOT DISTINCT FROM 'on_time')::int,
    (t.processed AND p_outcome IS NOT DISTINCT FROM 'late_with_extension')::int,
    (t.processed AND p_outcome IS NOT DISTINCT FROM 'late')::int,
    0, 0, 0, 0, t.rated::int, (t.rated AND p_satisfied)::int
  FROM t
  UNION ALL
  SELECT date_trunc('hour', p_first_response_at, 'UTC'), p_channel, t.cat, t.agency, t.commune, ioc_duration_bucket(t.frt_seconds::float8), -1::smallint,
    0, 0, 0, 0, 1, round(t.frt_seconds * 1000)::bigint, 0::bigint, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  FROM t WHERE p_first_response_at IS NOT NULL
  UNION ALL
  SELECT date_trunc('hour', p_resolved_at, 'UTC'), p_channel, t.cat, t.agency, t.commune, -1::smallint, ioc_duration_bucket(t.res_seconds::float8),
    0, 1, 0, 0, 0, 0::bigint, round(t.res_seconds * 1000)::bigint,
    (p_outcome IS NOT DISTINCT FROM 'on_time')::int, (p_outcome IS NOT DISTINCT FROM 'late_with_extension')::int,
    (p_outcome IS NOT DISTINCT FROM 'late')::int, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  FROM t WHERE p_resolved_at IS NOT NULL
  UNION ALL
  SELECT date_trunc('hour', p_closed_at, 'UTC'), p_channel, t.cat, t.agency, t.commune, -1::smallint, -1::smallint,
    0, 0, 1, 0, 0, 0::bigint, 0::bigint, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  FROM t WHERE p_closed_at IS NOT NULL
  UNION ALL
  SELECT date_trunc('hour', p_breached_at, 'UTC'), p_channel, t.cat, t.agency, t.commune, -1::smallint, -1::smallint,
    0, 0, 0, 1, 0, 0::bigint, 0::bigint, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  FROM t WHERE p_breached_at IS NOT NULL
  UNION ALL
  -- the citizen's answer, in the hour it was given
  SELECT date_trunc('hour', p_rated_at, 'UTC'), p_channel, t.cat, t.agency, t.commune, -1::smallint, -1::smallint,
    0, 0, 0, 0, 0, 0::bigint, 0::bigint, 0, 0, 0, 0, 0, 0, 0, 0,
    1, p_satisfied::int, coalesce(p_score, 0)::int, (p_score IS NOT NULL)::int, 0, 0
  FROM t WHERE t.rated
$$;

CREATE FUNCTION ioc_rollup_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ioc_rollup_delta (hour, channel, category_code, agency_id, commune_code, frt_bucket, res_bucket,
    received, resolved, closed, breached, first_response_n, first_response_ms_sum, resolution_ms_sum, on_time, late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension, cohort_late, rated, rated_satisfied, score_sum, score_n, cohort_rated, cohort_satisfied)
  SELECT c.hour, c.channel, c.category_code, c.agency_id, c.commune_code, c.frt_bucket, c.res_bucket,
    sum(c.s * c.received), sum(c.s * c.resolved), sum(c.s * c.closed), sum(c.s * c.breached), sum(c.s * c.first_response_n), sum(c.s * c.first_response_ms_sum), sum(c.s * c.resolution_ms_sum), sum(c.s * c.on_time), sum(c.s * c.late_with_extension), sum(c.s * c.late), sum(c.s * c.cohort_excluded), sum(c.s * c.cohort_processed), sum(c.s * c.cohort_on_time), sum(c.s * c.cohort_late_with_extension), sum(c.s * c.cohort_late), sum(c.s * c.rated), sum(c.s * c.rated_satisfied), sum(c.s * c.score_sum), sum(c.s * c.score_n), sum(c.s * c.cohort_rated), sum(c.s * c.cohort_satisfied)
  FROM (
    SELECT 1 AS s, n.* FROM ioc_ticket_contributions(NEW.created_at, NEW.channel, NEW.category_code, NEW.agency_id, NEW.commune_code,
      NEW.status, NEW.first_response_at, NEW.resolved_at, NEW.closed_at, NEW.sla_breached_at, NEW.sla_outcome,
      NEW.satisfaction_answered_at, NEW.satisfaction_satisfied, NEW.satisfaction_score) n
    UNION ALL
    SELECT -1, o.* FROM ioc_ticket_contributions(OLD.created_at, OLD.channel, OLD.category_code, OLD.agency_id, OLD.commune_code,
      OLD.status, OLD.first_response_at, OLD.resolved_at, OLD.closed_at, OLD.sla_breached_at, OLD.sla_outcome,
      OLD.satisfaction_answered_at, OLD.satisfaction_satisfied, OLD.satisfaction_score) o
  ) c
  GROUP BY c.hour, c.channel, c.category_code, c.agency_id, c.commune_code, c.frt_bucket, c.res_bucket
  HAVING sum(c.s * c.received) <> 0
    OR sum(c.s * c.resolved) <> 0
    OR sum(c.s * c.closed) <> 0
    OR sum(c.s * c.breached) <> 0
    OR sum(c.s * c.first_response_n) <> 0
    OR sum(c.s * c.first_response_ms_sum) <> 0
    OR sum(c.s * c.resolution_ms_sum) <> 0
    OR sum(c.s * c.on_time) <> 0
    OR sum(c.s * c.late_with_extension) <> 0
    OR sum(c.s * c.late) <> 0
    OR sum(c.s * c.cohort_excluded) <> 0
    OR sum(c.s * c.cohort_processed) <> 0
    OR sum(c.s * c.cohort_on_time) <> 0
    OR sum(c.s * c.cohort_late_with_extension) <> 0
    OR sum(c.s * c.cohort_late) <> 0
    OR sum(c.s * c.rated) <> 0
    OR sum(c.s * c.rated_satisfied) <> 0
    OR sum(c.s * c.score_sum) <> 0
    OR sum(c.s * c.score_n) <> 0
    OR sum(c.s * c.cohort_rated) <> 0
    OR sum(c.s * c.cohort_satisfied) <> 0;
  RETURN NULL;
END $$;

CREATE TRIGGER tickets_ioc_rollup_insert AFTER INSERT ON tickets
  FOR EACH ROW EXECUTE FUNCTION ioc_rollup_capture();
-- Only updates that touch a column the feed counts call the function at all.
CREATE TRIGGER tickets_ioc_rollup_update AFTER UPDATE ON tickets
  FOR EACH ROW WHEN ((OLD.created_at, OLD.channel, OLD.category_code, OLD.agency_id, OLD.commune_code, OLD.status,
      OLD.first_response_at, OLD.resolved_at, OLD.closed_at, OLD.sla_breached_at, OLD.sla_outcome,
      OLD.satisfaction_answered_at, OLD.satisfaction_satisfied, OLD.satisfaction_score)
    IS DISTINCT FROM (NEW.created_at, NEW.channel, NEW.category_code, NEW.agency_id, NEW.commune_code, NEW.status,
      NEW.first_response_at, NEW.resolved_at, NEW.closed_at, NEW.sla_breached_at, NEW.sla_outcome,
      NEW.satisfaction_answered_at, NEW.satisfaction_satisfied, NEW.satisfaction_score))
  EXECUTE FUNCTION ioc_rollup_capture();
CREATE TRIGGER tickets_ioc_rollup_delete AFTER DELETE ON tickets
  FOR EACH ROW EXECUTE FUNCTION ioc_rollup_capture();


CREATE OR REPLACE FUNCTION ioc_rollup_fold() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE folded bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(1022008) THEN RETURN -1; END IF;
  WITH d AS (DELETE FROM ioc_rollup_delta RETURNING *),
  fact AS (
    INSERT INTO ioc_rollup_hourly AS r (hour, channel, category_code, agency_id, commune_code,
      received, resolved, closed, breached, first_response_n, first_response_ms_sum, resolution_ms_sum, on_time, late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension, cohort_late, rated, rated_satisfied, score_sum, score_n, cohort_rated, cohort_satisfied)
    SELECT hour, channel, category_code, agency_id, commune_code,
      sum(received) AS received, sum(resolved) AS resolved, sum(closed) AS closed, sum(breached) AS breached, sum(first_response_n) AS first_response_n, sum(first_response_ms_sum) AS first_response_ms_sum, sum(resolution_ms_sum) AS resolution_ms_sum, sum(on_time) AS on_time, sum(late_with_extension) AS late_with_extension, sum(late) AS late, sum(cohort_excluded) AS cohort_excluded, sum(cohort_processed) AS cohort_processed, sum(cohort_on_time) AS cohort_on_time, sum(cohort_late_with_extension) AS cohort_late_with_extension, sum(cohort_late) AS cohort_late, sum(rated) AS rated, sum(rated_satisfied) AS rated_satisfied, sum(score_sum) AS score_sum, sum(score_n) AS score_n, sum(cohort_rated) AS cohort_rated, sum(cohort_satisfied) AS cohort_satisfied
    FROM d GROUP BY hour, channel, category_code, agency_id, commune_code
    -- in key order: rows read together (a period's hours, days, months) share pages
    ORDER BY hour, channel, category_code, agency_id, commune_code
    ON CONFLICT (hour, channel, category_code, agency_id, commune_code) DO UPDATE SET
      received = r.received + EXCLUDED.received,
      resolved = r.resolved + EXCLUDED.resolved,
      closed = r.closed + EXCLUDED.closed,
      breached = r.breached + EXCLUDED.breached,
      first_response_n = r.first_response_n + EXCLUDED.first_response_n,
      first_response_ms_sum = r.first_response_ms_sum + EXCLUDED.first_response_ms_sum,
      resolution_ms_sum = r.resolution_ms_sum + EXCLUDED.resolution_ms_sum,
      on_time = r.on_time + EXCLUDED.on_time,
      late_with_extension = r.late_with_extension + EXCLUDED.late_with_extension,
      late = r.late + EXCLUDED.late,
      cohort_excluded = r.cohort_excluded + EXCLUDED.cohort_excluded,
      cohort_processed = r.cohort_processed + EXCLUDED.cohort_processed,
      cohort_on_time = r.cohort_on_time + EXCLUDED.cohort_on_time,
      cohort_late_with_extension = r.cohort_late_with_extension + EXCLUDED.cohort_late_with_extension,
      cohort_late = r.cohort_late + EXCLUDED.cohort_late,
      rated = r.rated + EXCLUDED.rated,
      rated_satisfied = r.rated_satisfied + EXCLUDED.rated_satisfied,
      score_sum = r.score_sum + EXCLUDED.score_sum,
      score_n = r.score_n + EXCLUDED.score_n,
      cohort_rated = r.cohort_rated + EXCLUDED.cohort_rated,
      cohort_satisfied = r.cohort_satisfied + EXCLUDED.cohort_satisfied
  ),
  h AS (
    SELECT hour AS start, CASE WHEN GROUPING(frt_bucket) = 0 THEN 'frt' WHEN GROUPING(res_bucket) = 0 THEN 'res' ELSE 'all' END AS dim,
      CASE WHEN GROUPING(frt_bucket) = 0 THEN frt_bucket::text WHEN GROUPING(res_bucket) = 0 THEN res_bucket::text ELSE '' END AS key,
      sum(received) AS received, sum(resolved) AS resolved, sum(closed) AS closed, sum(breached) AS breached, sum(first_response_n) AS first_response_n, sum(first_response_ms_sum) AS first_response_ms_sum, sum(resolution_ms_sum) AS resolution_ms_sum, sum(on_time) AS on_time, sum(late_with_extension) AS late_with_extension, sum(late) AS late, sum(cohort_excluded) AS cohort_excluded, sum(cohort_processed) AS cohort_processed, sum(cohort_on_time) AS cohort_on_time, sum(cohort_late_with_extension) AS cohort_late_with_extension, sum(cohort_late) AS cohort_late, sum(rated) AS rated, sum(rated_satisfied) AS rated_satisfied, sum(score_sum) AS score_sum, sum(score_n) AS score_n, sum(cohort_rated) AS cohort_rated, sum(cohort_satisfied) AS cohort_satisfied
    FROM d GROUP BY GROUPING SETS ((hour), (hour, frt_bucket), (hour, res_bucket))
    HAVING NOT (GROUPING(frt_bucket) = 0 AND frt_bucket < 0) AND NOT (GROUPING(res_bucket) = 0 AND res_bucket < 0)
  ),
  dd AS (
    SELECT day AS start, CASE WHEN GROUPING(channel) = 0 THEN 'channel' WHEN GROUPING(category_code) = 0 THEN 'category'
        WHEN GROUPING(agency_id) = 0 THEN 'agency' WHEN GROUPING(commune_code) = 0 THEN 'commune'
        WHEN GROUPING(frt_bucket) = 0 THEN 'frt' WHEN GROUPING(res_bucket) = 0 THEN 'res' ELSE 'all' END AS dim,
      CASE WHEN GROUPING(channel) = 0 THEN channel WHEN GROUPING(category_code) = 0 THEN category_code
        WHEN GROUPING(agency_id) = 0 THEN agency_id::text WHEN GROUPING(commune_code) = 0 THEN commune_code
        WHEN GROUPING(frt_bucket) = 0 THEN frt_bucket::text WHEN GROUPING(res_bucket) = 0 THEN res_bucket::text ELSE '' END AS key,
      sum(received) AS received, sum(resolved) AS resolved, sum(closed) AS closed, sum(breached) AS breached, sum(first_response_n) AS first_response_n, sum(first_response_ms_sum) AS first_response_ms_sum, sum(resolution_ms_sum) AS resolution_ms_sum, sum(on_time) AS on_time, sum(late_with_extension) AS late_with_extension, sum(late) AS late, sum(cohort_excluded) AS cohort_excluded, sum(cohort_processed) AS cohort_processed, sum(cohort_on_time) AS cohort_on_time, sum(cohort_late_with_extension) AS cohort_late_with_extension, sum(cohort_late) AS cohort_late, sum(rated) AS rated, sum(rated_satisfied) AS rated_satisfied, sum(score_sum) AS score_sum, sum(score_n) AS score_n, sum(cohort_rated) AS cohort_rated, sum(cohort_satisfied) AS cohort_satisfied
    FROM (SELECT ioc_local_day(hour) AS day, * FROM d) x
    GROUP BY GROUPING SETS ((day), (day, channel), (day, category_code), (day, agency_id), (day, commune_code), (day, frt_bucket), (day, res_bucket))
    HAVING NOT (GROUPING(frt_bucket) = 0 AND frt_bucket < 0) AND NOT (GROUPING(res_bucket) = 0 AND res_bucket < 0)
  ),
  mm AS (
    SELECT ioc_local_month(start) AS start, dim, key,
      sum(received) AS received, sum(resolved) AS resolved, sum(closed) AS closed, sum(breached) AS breached, sum(first_response_n) AS first_response_n, sum(first_response_ms_sum) AS first_response_ms_sum, sum(resolution_ms_sum) AS resolution_ms_sum, sum(on_time) AS on_time, sum(late_with_extension) AS late_with_extension, sum(late) AS late, sum(cohort_excluded) AS cohort_excluded, sum(cohort_processed) AS cohort_processed, sum(cohort_on_time) AS cohort_on_time, sum(cohort_late_with_extension) AS cohort_late_with_extension, sum(cohort_late) AS cohort_late, sum(rated) AS rated, sum(rated_satisfied) AS rated_satisfied, sum(score_sum) AS score_sum, sum(score_n) AS score_n, sum(cohort_rated) AS cohort_rated, sum(cohort_satisfied) AS cohort_satisfied
    FROM dd GROUP BY 1, 2, 3
  ),
  marg AS (
    INSERT INTO ioc_rollup_marginal AS r (grain, dim, start, key,
      received, resolved, closed, breached, first_response_n, first_response_ms_sum, resolution_ms_sum, on_time, late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension, cohort_late, rated, rated_satisfied, score_sum, score_n, cohort_rated, cohort_satisfied)
    SELECT 'h', dim, start, key, received, resolved, closed, breached, first_response_n, first_response_ms_sum, resolution_ms_sum, on_time, late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension, cohort_late, rated, rated_satisfied, score_sum, score_n, cohort_rated, cohort_satisfied FROM h
    UNION ALL SELECT 'd', dim, start, key, received, resolved, closed, breached, first_response_n, first_response_ms_sum, resolution_ms_sum, on_time, late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension, cohort_late, rated, rated_satisfied, score_sum, score_n, cohort_rated, cohort_satisfied FROM dd
    UNION ALL SELECT 'm', dim, start, key, received, resolved, closed, breached, first_response_n, first_response_ms_sum, resolution_ms_sum, on_time, late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension, cohort_late, rated, rated_satisfied, score_sum, score_n, cohort_rated, cohort_satisfied FROM mm
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (grain, dim, start, key) DO UPDATE SET
      received = r.received + EXCLUDED.received,
      resolved = r.resolved + EXCLUDED.resolved,
      closed = r.closed + EXCLUDED.closed,
      breached = r.breached + EXCLUDED.breached,
      first_response_n = r.first_response_n + EXCLUDED.first_response_n,
      first_response_ms_sum = r.first_response_ms_sum + EXCLUDED.first_response_ms_sum,
      resolution_ms_sum = r.resolution_ms_sum + EXCLUDED.resolution_ms_sum,
      on_time = r.on_time + EXCLUDED.on_time,
      late_with_extension = r.late_with_extension + EXCLUDED.late_with_extension,
      late = r.late + EXCLUDED.late,
      cohort_excluded = r.cohort_excluded + EXCLUDED.cohort_excluded,
      cohort_processed = r.cohort_processed + EXCLUDED.cohort_processed,
      cohort_on_time = r.cohort_on_time + EXCLUDED.cohort_on_time,
      cohort_late_with_extension = r.cohort_late_with_extension + EXCLUDED.cohort_late_with_extension,
      cohort_late = r.cohort_late + EXCLUDED.cohort_late,
      rated = r.rated + EXCLUDED.rated,
      rated_satisfied = r.rated_satisfied + EXCLUDED.rated_satisfied,
      score_sum = r.score_sum + EXCLUDED.score_sum,
      score_n = r.score_n + EXCLUDED.score_n,
      cohort_rated = r.cohort_rated + EXCLUDED.cohort_rated,
      cohort_satisfied = r.cohort_satisfied + EXCLUDED.cohort_satisfied
  )
  SELECT count(*) INTO folded FROM d;
  RETURN folded;
END $$;

CREATE OR REPLACE FUNCTION ioc_rollup_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE tickets IN SHARE MODE;
  PERFORM pg_advisory_xact_lock(1022008);
  PERFORM set_config('work_mem', '256MB', true);
  TRUNCATE ioc_rollup_delta, ioc_rollup_hourly, ioc_rollup_marginal;
  -- Ungrouped: the fold groups anyway.
  INSERT INTO ioc_rollup_delta (hour, channel, category_code, agency_id, commune_code, frt_bucket, res_bucket,
    received, resolved, closed, breached, first_response_n, first_response_ms_sum, resolution_ms_sum, on_time, late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension, cohort_late, rated, rated_satisfied, score_sum, score_n, cohort_rated, cohort_satisfied)
  SELECT c.* FROM tickets t CROSS JOIN LATERAL ioc_ticket_contributions(t.created_at, t.channel, t.category_code, t.agency_id, t.commune_code,
      t.status, t.first_response_at, t.resolved_at, t.closed_at, t.sla_breached_at, t.sla_outcome,
      t.satisfaction_answered_at, t.satisfaction_satisfied, t.satisfaction_score) c;
  RETURN ioc_rollup_fold();
END $$;
