-- IOC feed: rollups kept exact by triggers on tickets, so the summary and the time series read a
-- few hundred rollup rows instead of every ticket. Design notes: src/ioc/README.md.
--
-- Every ticket contributes a fixed set of rows (its "contributions"): received in the hour of
-- created_at, first response in the hour of first_response_at, resolved (with its SLA outcome) in
-- the hour of resolved_at, closed, breached; plus the cohort facts the Vietnamese IOC KPIs need
-- (processed, on time, late with extension, late), counted in the hour the ticket was received.
-- A change to a ticket appends (its new contributions − its old ones) to ioc_rollup_delta, in the
-- writer's own transaction. The delta is insert-only, so concurrent writers never wait on a hot
-- rollup row (measured: one shared counter row cut a 20-connection insert load from 18,000 to
-- 1,700 statements/s). ioc_rollup_fold() moves the delta into the rollups; readers read rollups +
-- the unfolded delta in one statement, so what they see is exact whether a fold ran or not.

-- 1.05^b − 1 seconds is the lower edge of histogram bucket b: ~5 % wide at every scale.
CREATE FUNCTION ioc_duration_bucket(seconds double precision) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT floor(ln(1 + greatest(seconds, 0)) / ln(1.05))::smallint
$$;

-- Local (Asia/Ho_Chi_Minh) day and month containing an instant, as the instant they start.
CREATE FUNCTION ioc_local_day(at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT date_trunc('day', at AT TIME ZONE 'Asia/Ho_Chi_Minh') AT TIME ZONE 'Asia/Ho_Chi_Minh'
$$;
CREATE FUNCTION ioc_local_month(at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT date_trunc('month', at AT TIME ZONE 'Asia/Ho_Chi_Minh') AT TIME ZONE 'Asia/Ho_Chi_Minh'
$$;

-- What one ticket contributes. No rows when created_at is NULL (the "old row" of an INSERT).
-- Dimensions are the ticket's current ones: a transferred ticket moves all its counts.
CREATE FUNCTION ioc_ticket_contributions(
  p_created_at timestamptz, p_channel text, p_category_code text, p_agency_id bigint, p_commune_code text, p_status text,
  p_first_response_at timestamptz, p_resolved_at timestamptz, p_closed_at timestamptz, p_breached_at timestamptz, p_outcome text)
RETURNS TABLE (
  hour timestamptz, channel text, category_code text, agency_id bigint, commune_code text, frt_bucket smallint, res_bucket smallint,
  received int, resolved int, closed int, breached int, first_response_n int, first_response_ms_sum bigint,
  resolution_ms_sum bigint, on_time int, late_with_extension int, late int,
  cohort_excluded int, cohort_processed int, cohort_on_time int, cohort_late_with_extension int, cohort_late int)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH t AS (
    SELECT coalesce(p_category_code, '') AS cat, coalesce(p_agency_id, 0::bigint) AS agency, coalesce(p_commune_code, '') AS commune,
      -- processed as in src/sla/stats.ts: resolved or closed with a resolution recorded
      (p_status IN ('resolved', 'closed') AND p_resolved_at IS NOT NULL) AS processed,
      greatest(extract(epoch FROM p_first_response_at - p_created_at), 0) AS frt_seconds,
      greatest(extract(epoch FROM p_resolved_at - p_created_at), 0) AS res_seconds
    WHERE p_created_at IS NOT NULL
  )
  SELECT date_trunc('hour', p_created_at, 'UTC'), p_channel, t.cat, t.agency, t.commune, -1::smallint, -1::smallint,
    1, 0, 0, 0, 0, 0::bigint, 0::bigint, 0, 0, 0,
    (p_status IN ('rejected', 'merged'))::int, t.processed::int,
    (t.processed AND p_outcome IS NOT DISTINCT FROM 'on_time')::int,
    (t.processed AND p_outcome IS NOT DISTINCT FROM 'late_with_extension')::int,
    (t.processed AND p_outcome IS NOT DISTINCT FROM 'late')::int
  FROM t
  UNION ALL
  SELECT date_trunc('hour', p_first_response_at, 'UTC'), p_channel, t.cat, t.agency, t.commune, ioc_duration_bucket(t.frt_seconds::float8), -1::smallint,
    0, 0, 0, 0, 1, round(t.frt_seconds * 1000)::bigint, 0::bigint, 0, 0, 0, 0, 0, 0, 0, 0
  FROM t WHERE p_first_response_at IS NOT NULL
  UNION ALL
  SELECT date_trunc('hour', p_resolved_at, 'UTC'), p_channel, t.cat, t.agency, t.commune, -1::smallint, ioc_duration_bucket(t.res_seconds::float8),
    0, 1, 0, 0, 0, 0::bigint, round(t.res_seconds * 1000)::bigint,
    (p_outcome IS NOT DISTINCT FROM 'on_time')::int, (p_outcome IS NOT DISTINCT FROM 'late_with_extension')::int,
    (p_outcome IS NOT DISTINCT FROM 'late')::int, 0, 0, 0, 0, 0
  FROM t WHERE p_resolved_at IS NOT NULL
  UNION ALL
  SELECT date_trunc('hour', p_closed_at, 'UTC'), p_channel, t.cat, t.agency, t.commune, -1::smallint, -1::smallint,
    0, 0, 1, 0, 0, 0::bigint, 0::bigint, 0, 0, 0, 0, 0, 0, 0, 0
  FROM t WHERE p_closed_at IS NOT NULL
  UNION ALL
  SELECT date_trunc('hour', p_breached_at, 'UTC'), p_channel, t.cat, t.agency, t.commune, -1::smallint, -1::smallint,
    0, 0, 0, 1, 0, 0::bigint, 0::bigint, 0, 0, 0, 0, 0, 0, 0, 0
  FROM t WHERE p_breached_at IS NOT NULL
$$;


-- Changes not yet folded: insert-only, signed, one row per (hour, dimensions, buckets) a change
-- touched. Durations are summed in whole milliseconds: integers, so adding and subtracting stay exact.
CREATE TABLE ioc_rollup_delta (
  hour                       timestamptz NOT NULL,
  channel                    text NOT NULL,
  category_code              text NOT NULL,
  agency_id                  bigint NOT NULL,
  commune_code               text NOT NULL,
  -- histogram bucket of the first-response / resolution duration on the rows that carry one, else −1
  frt_bucket                 smallint NOT NULL,
  res_bucket                 smallint NOT NULL,
  received                   int NOT NULL,
  resolved                   int NOT NULL,
  closed                     int NOT NULL,
  breached                   int NOT NULL,
  first_response_n           int NOT NULL,
  first_response_ms_sum      bigint NOT NULL,
  resolution_ms_sum          bigint NOT NULL,
  on_time                    int NOT NULL,
  late_with_extension        int NOT NULL,
  late                       int NOT NULL,
  cohort_excluded            int NOT NULL,
  cohort_processed           int NOT NULL,
  cohort_on_time             int NOT NULL,
  cohort_late_with_extension int NOT NULL,
  cohort_late                int NOT NULL
);

-- The fact rollup: every dimension, per UTC hour ('' / 0 for "none"). Read for the partial days at
-- the edges of a period, and for any ad-hoc cut across dimensions. (No resolution_n: it would
-- always equal resolved, every resolved ticket having a duration.)
CREATE TABLE ioc_rollup_hourly (
  hour                       timestamptz NOT NULL,
  channel                    text NOT NULL,
  category_code              text NOT NULL,
  agency_id                  bigint NOT NULL,
  commune_code               text NOT NULL,
  received                   bigint NOT NULL DEFAULT 0,
  resolved                   bigint NOT NULL DEFAULT 0,
  closed                     bigint NOT NULL DEFAULT 0,
  breached                   bigint NOT NULL DEFAULT 0,
  first_response_n           bigint NOT NULL DEFAULT 0,
  first_response_ms_sum      bigint NOT NULL DEFAULT 0,
  resolution_ms_sum          bigint NOT NULL DEFAULT 0,
  on_time                    bigint NOT NULL DEFAULT 0,
  late_with_extension        bigint NOT NULL DEFAULT 0,
  late                       bigint NOT NULL DEFAULT 0,
  cohort_excluded            bigint NOT NULL DEFAULT 0,
  cohort_processed           bigint NOT NULL DEFAULT 0,
  cohort_on_time             bigint NOT NULL DEFAULT 0,
  cohort_late_with_extension bigint NOT NULL DEFAULT 0,
  cohort_late                bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (hour, channel, category_code, agency_id, commune_code)
) WITH (fillfactor = 80); -- room on each page for a fold's in-place (HOT) updates

-- One dimension at a time ('all', 'channel', 'category', 'agency', 'commune', and the duration
-- histograms 'frt' / 'res' keyed by bucket), per local month ('m'), local day ('d') and UTC hour
-- ('h'; only 'all', 'frt', 'res': the edges' other dimensions come from ioc_rollup_hourly).
-- A 365-day summary reads ~12 months + a few days + a few hours of these.
CREATE TABLE ioc_rollup_marginal (
  grain                      char(1) NOT NULL CHECK (grain IN ('h', 'd', 'm')),
  dim                        text NOT NULL CHECK (dim IN ('all', 'channel', 'category', 'agency', 'commune', 'frt', 'res')),
  start                      timestamptz NOT NULL,
  key                        text NOT NULL,
  received                   bigint NOT NULL DEFAULT 0,
  resolved                   bigint NOT NULL DEFAULT 0,
  closed                     bigint NOT NULL DEFAULT 0,
  breached                   bigint NOT NULL DEFAULT 0,
  first_response_n           bigint NOT NULL DEFAULT 0,
  first_response_ms_sum      bigint NOT NULL DEFAULT 0,
  resolution_ms_sum          bigint NOT NULL DEFAULT 0,
  on_time                    bigint NOT NULL DEFAULT 0,
  late_with_extension        bigint NOT NULL DEFAULT 0,
  late                       bigint NOT NULL DEFAULT 0,
  cohort_excluded            bigint NOT NULL DEFAULT 0,
  cohort_processed           bigint NOT NULL DEFAULT 0,
  cohort_on_time             bigint NOT NULL DEFAULT 0,
  cohort_late_with_extension bigint NOT NULL DEFAULT 0,
  cohort_late                bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (grain, dim, start, key)
) WITH (fillfactor = 80);

-- Row trigger: append NEW's contributions minus OLD's (OLD / NEW are NULL for INSERT / DELETE,
-- and contribute nothing). Changes that cancel out (most status changes) append nothing.
CREATE FUNCTION ioc_rollup_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ioc_rollup_delta (hour, channel, category_code, agency_id, commune_code, frt_bucket, res_bucket,
    received, resolved, closed, breached, first_response_n, first_response_ms_sum, resolution_ms_sum,
    on_time, late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension, cohort_late)
  SELECT c.hour, c.channel, c.category_code, c.agency_id, c.commune_code, c.frt_bucket, c.res_bucket,
    sum(c.s * c.received), sum(c.s * c.resolved), sum(c.s * c.closed), sum(c.s * c.breached), sum(c.s * c.first_response_n),
    sum(c.s * c.first_response_ms_sum), sum(c.s * c.resolution_ms_sum),
    sum(c.s * c.on_time), sum(c.s * c.late_with_extension), sum(c.s * c.late),
    sum(c.s * c.cohort_excluded), sum(c.s * c.cohort_processed), sum(c.s * c.cohort_on_time),
    sum(c.s * c.cohort_late_with_extension), sum(c.s * c.cohort_late)
  FROM (
    SELECT 1 AS s, n.* FROM ioc_ticket_contributions(NEW.created_at, NEW.channel, NEW.category_code, NEW.agency_id, NEW.commune_code,
      NEW.status, NEW.first_response_at, NEW.resolved_at, NEW.closed_at, NEW.sla_breached_at, NEW.sla_outcome) n
    UNION ALL
    SELECT -1, o.* FROM ioc_ticket_contributions(OLD.created_at, OLD.channel, OLD.category_code, OLD.agency_id, OLD.commune_code,
      OLD.status, OLD.first_response_at, OLD.resolved_at, OLD.closed_at, OLD.sla_breached_at, OLD.sla_outcome) o
  ) c
  GROUP BY c.hour, c.channel, c.category_code, c.agency_id, c.commune_code, c.frt_bucket, c.res_bucket
  HAVING sum(c.s * c.received) <> 0 OR sum(c.s * c.resolved) <> 0 OR sum(c.s * c.closed) <> 0 OR sum(c.s * c.breached) <> 0
    OR sum(c.s * c.first_response_n) <> 0 OR sum(c.s * c.first_response_ms_sum) <> 0 OR sum(c.s * c.resolution_ms_sum) <> 0
    OR sum(c.s * c.on_time) <> 0 OR sum(c.s * c.late_with_extension) <> 0 OR sum(c.s * c.late) <> 0
    OR sum(c.s * c.cohort_excluded) <> 0 OR sum(c.s * c.cohort_processed) <> 0 OR sum(c.s * c.cohort_on_time) <> 0
    OR sum(c.s * c.cohort_late_with_extension) <> 0 OR sum(c.s * c.cohort_late) <> 0;
  RETURN NULL;
END $$;

CREATE TRIGGER tickets_ioc_rollup_insert AFTER INSERT ON tickets
  FOR EACH ROW EXECUTE FUNCTION ioc_rollup_capture();
-- Only updates that touch a column the feed counts call the function at all.
CREATE TRIGGER tickets_ioc_rollup_update AFTER UPDATE ON tickets
  FOR EACH ROW WHEN ((OLD.created_at, OLD.channel, OLD.category_code, OLD.agency_id, OLD.commune_code, OLD.status,
      OLD.first_response_at, OLD.resolved_at, OLD.closed_at, OLD.sla_breached_at, OLD.sla_outcome)
    IS DISTINCT FROM (NEW.created_at, NEW.channel, NEW.category_code, NEW.agency_id, NEW.commune_code, NEW.status,
      NEW.first_response_at, NEW.resolved_at, NEW.closed_at, NEW.sla_breached_at, NEW.sla_outcome))
  EXECUTE FUNCTION ioc_rollup_capture();
CREATE TRIGGER tickets_ioc_rollup_delete AFTER DELETE ON tickets
  FOR EACH ROW EXECUTE FUNCTION ioc_rollup_capture();

-- Moves the delta into the rollups in one statement. One folder at a time (the others return −1
-- at once: their readers still see the delta, so nothing is lost by skipping). Returns the number
-- of delta rows folded. Each grain is one pass of GROUPING SETS over the delta.
CREATE FUNCTION ioc_rollup_fold() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE folded bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(1022008) THEN RETURN -1; END IF;
  WITH d AS (DELETE FROM ioc_rollup_delta RETURNING *),
  fact AS (
    INSERT INTO ioc_rollup_hourly AS r (hour, channel, category_code, agency_id, commune_code,
      received, resolved, closed, breached, first_response_n, first_response_ms_sum, resolution_ms_sum, on_time,
      late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension,
      cohort_late)
    SELECT hour, channel, category_code, agency_id, commune_code,
      sum(received) AS received, sum(resolved) AS resolved, sum(closed) AS closed, sum(breached) AS breached,
      sum(first_response_n) AS first_response_n, sum(first_response_ms_sum) AS first_response_ms_sum,
      sum(resolution_ms_sum) AS resolution_ms_sum, sum(on_time) AS on_time,
      sum(late_with_extension) AS late_with_extension, sum(late) AS late, sum(cohort_excluded) AS cohort_excluded,
      sum(cohort_processed) AS cohort_processed, sum(cohort_on_time) AS cohort_on_time,
      sum(cohort_late_with_extension) AS cohort_late_with_extension, sum(cohort_late) AS cohort_late
    FROM d GROUP BY hour, channel, category_code, agency_id, commune_code
    -- in key order: rows read together (a period's hours, days, months) share pages
    ORDER BY hour, channel, category_code, agency_id, commune_code
    ON CONFLICT (hour, channel, category_code, agency_id, commune_code) DO UPDATE SET
      received = r.received + EXCLUDED.received, resolved = r.resolved + EXCLUDED.resolved,
      closed = r.closed + EXCLUDED.closed, breached = r.breached + EXCLUDED.breached,
      first_response_n = r.first_response_n + EXCLUDED.first_response_n,
      first_response_ms_sum = r.first_response_ms_sum + EXCLUDED.first_response_ms_sum,
      resolution_ms_sum = r.resolution_ms_sum + EXCLUDED.resolution_ms_sum, on_time = r.on_time + EXCLUDED.on_time,
      late_with_extension = r.late_with_extension + EXCLUDED.late_with_extension, late = r.late + EXCLUDED.late,
      cohort_excluded = r.cohort_excluded + EXCLUDED.cohort_excluded,
      cohort_processed = r.cohort_processed + EXCLUDED.cohort_processed,
      cohort_on_time = r.cohort_on_time + EXCLUDED.cohort_on_time,
      cohort_late_with_extension = r.cohort_late_with_extension + EXCLUDED.cohort_late_with_extension,
      cohort_late = r.cohort_late + EXCLUDED.cohort_late
  ),
  h AS (
    SELECT hour AS start, CASE WHEN GROUPING(frt_bucket) = 0 THEN 'frt' WHEN GROUPING(res_bucket) = 0 THEN 'res' ELSE 'all' END AS dim,
      CASE WHEN GROUPING(frt_bucket) = 0 THEN frt_bucket::text WHEN GROUPING(res_bucket) = 0 THEN res_bucket::text ELSE '' END AS key,
      sum(received) AS received, sum(resolved) AS resolved, sum(closed) AS closed, sum(breached) AS breached,
      sum(first_response_n) AS first_response_n, sum(first_response_ms_sum) AS first_response_ms_sum,
      sum(resolution_ms_sum) AS resolution_ms_sum, sum(on_time) AS on_time,
      sum(late_with_extension) AS late_with_extension, sum(late) AS late, sum(cohort_excluded) AS cohort_excluded,
      sum(cohort_processed) AS cohort_processed, sum(cohort_on_time) AS cohort_on_time,
      sum(cohort_late_with_extension) AS cohort_late_with_extension, sum(cohort_late) AS cohort_late
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
      sum(received) AS received, sum(resolved) AS resolved, sum(closed) AS closed, sum(breached) AS breached,
      sum(first_response_n) AS first_response_n, sum(first_response_ms_sum) AS first_response_ms_sum,
      sum(resolution_ms_sum) AS resolution_ms_sum, sum(on_time) AS on_time,
      sum(late_with_extension) AS late_with_extension, sum(late) AS late, sum(cohort_excluded) AS cohort_excluded,
      sum(cohort_processed) AS cohort_processed, sum(cohort_on_time) AS cohort_on_time,
      sum(cohort_late_with_extension) AS cohort_late_with_extension, sum(cohort_late) AS cohort_late
    FROM (SELECT ioc_local_day(hour) AS day, * FROM d) x
    GROUP BY GROUPING SETS ((day), (day, channel), (day, category_code), (day, agency_id), (day, commune_code), (day, frt_bucket), (day, res_bucket))
    HAVING NOT (GROUPING(frt_bucket) = 0 AND frt_bucket < 0) AND NOT (GROUPING(res_bucket) = 0 AND res_bucket < 0)
  ),
  mm AS (
    SELECT ioc_local_month(start) AS start, dim, key,
      sum(received) AS received, sum(resolved) AS resolved, sum(closed) AS closed, sum(breached) AS breached,
      sum(first_response_n) AS first_response_n, sum(first_response_ms_sum) AS first_response_ms_sum,
      sum(resolution_ms_sum) AS resolution_ms_sum, sum(on_time) AS on_time,
      sum(late_with_extension) AS late_with_extension, sum(late) AS late, sum(cohort_excluded) AS cohort_excluded,
      sum(cohort_processed) AS cohort_processed, sum(cohort_on_time) AS cohort_on_time,
      sum(cohort_late_with_extension) AS cohort_late_with_extension, sum(cohort_late) AS cohort_late
    FROM dd GROUP BY 1, 2, 3
  ),
  marg AS (
    INSERT INTO ioc_rollup_marginal AS r (grain, dim, start, key,
      received, resolved, closed, breached, first_response_n, first_response_ms_sum, resolution_ms_sum, on_time,
      late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension,
      cohort_late)
    SELECT 'h', dim, start, key, received, resolved, closed, breached, first_response_n, first_response_ms_sum,
      resolution_ms_sum, on_time, late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time,
      cohort_late_with_extension, cohort_late FROM h
    UNION ALL SELECT 'd', dim, start, key, received, resolved, closed, breached, first_response_n, first_response_ms_sum,
      resolution_ms_sum, on_time, late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time,
      cohort_late_with_extension, cohort_late FROM dd
    UNION ALL SELECT 'm', dim, start, key, received, resolved, closed, breached, first_response_n, first_response_ms_sum,
      resolution_ms_sum, on_time, late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time,
      cohort_late_with_extension, cohort_late FROM mm
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (grain, dim, start, key) DO UPDATE SET
      received = r.received + EXCLUDED.received, resolved = r.resolved + EXCLUDED.resolved,
      closed = r.closed + EXCLUDED.closed, breached = r.breached + EXCLUDED.breached,
      first_response_n = r.first_response_n + EXCLUDED.first_response_n,
      first_response_ms_sum = r.first_response_ms_sum + EXCLUDED.first_response_ms_sum,
      resolution_ms_sum = r.resolution_ms_sum + EXCLUDED.resolution_ms_sum, on_time = r.on_time + EXCLUDED.on_time,
      late_with_extension = r.late_with_extension + EXCLUDED.late_with_extension, late = r.late + EXCLUDED.late,
      cohort_excluded = r.cohort_excluded + EXCLUDED.cohort_excluded,
      cohort_processed = r.cohort_processed + EXCLUDED.cohort_processed,
      cohort_on_time = r.cohort_on_time + EXCLUDED.cohort_on_time,
      cohort_late_with_extension = r.cohort_late_with_extension + EXCLUDED.cohort_late_with_extension,
      cohort_late = r.cohort_late + EXCLUDED.cohort_late
  )
  SELECT count(*) INTO folded FROM d;
  RETURN folded;
END $$;

-- Recomputes every rollup from tickets (after a bulk load with triggers off, or to check the
-- incremental ones). Writers to tickets wait while it runs.
CREATE FUNCTION ioc_rollup_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE tickets IN SHARE MODE;
  PERFORM pg_advisory_xact_lock(1022008);
  PERFORM set_config('work_mem', '256MB', true);
  TRUNCATE ioc_rollup_delta, ioc_rollup_hourly, ioc_rollup_marginal;
  -- Ungrouped: the fold groups anyway.
  INSERT INTO ioc_rollup_delta (hour, channel, category_code, agency_id, commune_code, frt_bucket, res_bucket,
    received, resolved, closed, breached, first_response_n, first_response_ms_sum, resolution_ms_sum, on_time,
    late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension,
    cohort_late)
  SELECT c.* FROM tickets t CROSS JOIN LATERAL ioc_ticket_contributions(t.created_at, t.channel, t.category_code, t.agency_id, t.commune_code,
    t.status, t.first_response_at, t.resolved_at, t.closed_at, t.sla_breached_at, t.sla_outcome) c;
  RETURN ioc_rollup_fold();
END $$;

-- Point-in-time counts (open, overdue, due soon) read open tickets only, through this index.
CREATE INDEX tickets_ioc_open ON tickets (status, sla_resolution_due_at)
  WHERE status NOT IN ('resolved', 'closed', 'rejected', 'merged');

-- Tickets that existed before this migration are counted from the start.
SELECT ioc_rollup_rebuild();
