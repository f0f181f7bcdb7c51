-- A new report is one INSERT on tickets, and the rollup trigger was a third of its database time
-- (a set-returning SQL function for NEW and OLD, a UNION and a GROUP BY, re-planned per call).
-- A ticket inserted without history (every intake) contributes exactly one row, "received in
-- this hour": written directly. Inserts with history (imports, the benchmark's generator) and
-- deletes keep the general path, whose statement now uses a cached generic plan.

CREATE FUNCTION ioc_rollup_capture_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.first_response_at IS NULL AND NEW.resolved_at IS NULL AND NEW.closed_at IS NULL
     AND NEW.sla_breached_at IS NULL AND NEW.satisfaction_answered_at IS NULL THEN
    -- What ioc_ticket_contributions gives for such a ticket (no processed, no outcome, no answer).
    INSERT INTO ioc_rollup_delta (hour, channel, category_code, agency_id, commune_code, frt_bucket, res_bucket,
      received, resolved, closed, breached, first_response_n, first_response_ms_sum, resolution_ms_sum,
      on_time, late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension, cohort_late,
      rated, rated_satisfied, score_sum, score_n, cohort_rated, cohort_satisfied)
    VALUES (date_trunc('hour', NEW.created_at, 'UTC'), NEW.channel, coalesce(NEW.category_code, ''), coalesce(NEW.agency_id, 0),
      coalesce(NEW.commune_code, ''), -1, -1,
      1, 0, 0, 0, 0, 0, 0, 0, 0, 0, (NEW.status IN ('rejected', 'merged'))::int, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0);
    RETURN NULL;
  END IF;
  INSERT INTO ioc_rollup_delta (hour, channel, category_code, agency_id, commune_code, frt_bucket, res_bucket,
    received, resolved, closed, breached, first_response_n, first_response_ms_sum, resolution_ms_sum,
    on_time, late_with_extension, late, cohort_excluded, cohort_processed, cohort_on_time, cohort_late_with_extension, cohort_late,
    rated, rated_satisfied, score_sum, score_n, cohort_rated, cohort_satisfied)
  SELECT c.* FROM ioc_ticket_contributions(NEW.created_at, NEW.channel, NEW.category_code, NEW.agency_id, NEW.commune_code,
    NEW.status, NEW.first_response_at, NEW.resolved_at, NEW.closed_at, NEW.sla_breached_at, NEW.sla_outcome,
    NEW.satisfaction_answered_at, NEW.satisfaction_satisfied, NEW.satisfaction_score) c;
  RETURN NULL;
END $$;

DROP TRIGGER tickets_ioc_rollup_insert ON tickets;
CREATE TRIGGER tickets_ioc_rollup_insert AFTER INSERT ON tickets
  FOR EACH ROW EXECUTE FUNCTION ioc_rollup_capture_insert();

-- Custom plans of the general path's statement were re-planned on every call.
ALTER FUNCTION ioc_rollup_capture() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ioc_rollup_capture_insert() SET plan_cache_mode = force_generic_plan;
