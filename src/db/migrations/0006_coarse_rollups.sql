-- Coarser rollups, read by the dashboard instead of most daily rollup rows:
--
--   feedback_monthly_rollups: the daily rollups summed per location, sub-measure, channel
--   and month (the date of the 1st, in the client's calendar, as the days are). A period
--   is read as whole months from here and only the days at its edges from the daily table:
--   a year of a 50-location client is ~7,000 rows instead of ~185,000.
--
--   feedback_location_daily_rollups: the daily rollups summed over sub-measures, per
--   location, day and channel, for trends by day or week (a fifth to a quarter of the rows).
--
-- The database keeps both: every statement that writes daily rollups (the rollup job's
-- recomputation of a location-day, a rebuild, a direct write) recomputes the location-days
-- and location-months it touched from the daily rows, in the same transaction. This runs
-- under an advisory lock of the client-month, held to commit, so two transactions writing
-- different days of one month are serialised there and the later one sums the other's
-- committed days.
CREATE TABLE feedback_monthly_rollups (
  client_id uuid NOT NULL,
  location_id uuid NOT NULL,
  sub_measure_key uuid NOT NULL, -- the sub-measure id, or the nil uuid for none
  month date NOT NULL CHECK (extract(day FROM month) = 1),
  channel text NOT NULL,
  responses integer NOT NULL,
  score_sum integer NOT NULL,
  score_histogram integer[] NOT NULL,
  with_comment integer NOT NULL,
  contact_requested integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, location_id, month, sub_measure_key, channel),
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id) ON DELETE CASCADE
);
CREATE INDEX feedback_monthly_rollups_month ON feedback_monthly_rollups (client_id, month);

CREATE TABLE feedback_location_daily_rollups (
  client_id uuid NOT NULL,
  location_id uuid NOT NULL,
  day date NOT NULL,
  channel text NOT NULL,
  responses integer NOT NULL,
  score_sum integer NOT NULL,
  score_histogram integer[] NOT NULL,
  with_comment integer NOT NULL,
  contact_requested integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, location_id, day, channel),
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id) ON DELETE CASCADE
);
CREATE INDEX feedback_location_daily_rollups_day ON feedback_location_daily_rollups (client_id, day);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['feedback_monthly_rollups', 'feedback_location_daily_rollups']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO hark_app USING (client_id = hark_current_client()) WITH CHECK (client_id = hark_current_client())', t);
    EXECUTE format('CREATE POLICY location_scope ON %I AS RESTRICTIVE TO hark_app USING ((SELECT hark_location_scope()) IS NULL OR location_id = ANY ((SELECT hark_location_scope())::uuid[]))', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hark_app', t);
  END LOOP;
END
$$;

-- Recomputes the coarser rollups of the given location-days (parallel arrays), and of
-- their location-months, from the daily rollups. Runs as the caller, so row-level security
-- applies to what it reads and writes. The lock is per client-month, not per location, so
-- that a rebuild of a large client takes one lock per month (not thousands, which would
-- exhaust the shared lock table); jobs of one client and month wait for one another only
-- for their short remainder. Locks are taken in month order, so statements touching
-- several months cannot deadlock one another on them.
CREATE FUNCTION hark_refresh_coarse_rollups(client_ids uuid[], location_ids uuid[], days date[]) RETURNS void
  LANGUAGE plpgsql
  AS $$
DECLARE
  month_key record;
BEGIN
  FOR month_key IN
    SELECT DISTINCT c, date_trunc('month', d::timestamp)::date AS m FROM unnest(client_ids, days) AS u(c, d) ORDER BY 1, 2
  LOOP
    PERFORM pg_advisory_xact_lock(hashtextextended('rollup-month:' || month_key.c || ':' || month_key.m, 0));
  END LOOP;

  DELETE FROM feedback_location_daily_rollups r
  USING (SELECT DISTINCT c, l, d FROM unnest(client_ids, location_ids, days) AS u(c, l, d)) k
  WHERE r.client_id = k.c AND r.location_id = k.l AND r.day = k.d;

  INSERT INTO feedback_location_daily_rollups
    (client_id, location_id, day, channel, responses, score_sum, score_histogram, with_comment, contact_requested)
  SELECT r.client_id, r.location_id, r.day, r.channel,
    sum(r.responses)::int, sum(r.score_sum)::int,
    array[sum(r.score_histogram[1]), sum(r.score_histogram[2]), sum(r.score_histogram[3]), sum(r.score_histogram[4]),
          sum(r.score_histogram[5]), sum(r.score_histogram[6]), sum(r.score_histogram[7]), sum(r.score_histogram[8]),
          sum(r.score_histogram[9]), sum(r.score_histogram[10]), sum(r.score_histogram[11])]::int[],
    sum(r.with_comment)::int, sum(r.contact_requested)::int
  FROM (SELECT DISTINCT c, l, d FROM unnest(client_ids, location_ids, days) AS u(c, l, d)) k
  JOIN feedback_daily_rollups r ON r.client_id = k.c AND r.location_id = k.l AND r.day = k.d
  GROUP BY r.client_id, r.location_id, r.day, r.channel;

  DELETE FROM feedback_monthly_rollups r
  USING (SELECT DISTINCT c, l, date_trunc('month', d::timestamp)::date AS m FROM unnest(client_ids, location_ids, days) AS u(c, l, d)) k
  WHERE r.client_id = k.c AND r.location_id = k.l AND r.month = k.m;

  INSERT INTO feedback_monthly_rollups
    (client_id, location_id, sub_measure_key, month, channel, responses, score_sum, score_histogram, with_comment, contact_requested)
  SELECT r.client_id, r.location_id, r.sub_measure_key, k.m, r.channel,
    sum(r.responses)::int, sum(r.score_sum)::int,
    array[sum(r.score_histogram[1]), sum(r.score_histogram[2]), sum(r.score_histogram[3]), sum(r.score_histogram[4]),
          sum(r.score_histogram[5]), sum(r.score_histogram[6]), sum(r.score_histogram[7]), sum(r.score_histogram[8]),
          sum(r.score_histogram[9]), sum(r.score_histogram[10]), sum(r.score_histogram[11])]::int[],
    sum(r.with_comment)::int, sum(r.contact_requested)::int
  FROM (SELECT DISTINCT c, l, date_trunc('month', d::timestamp)::date AS m FROM unnest(client_ids, location_ids, days) AS u(c, l, d)) k
  JOIN feedback_daily_rollups r
    ON r.client_id = k.c AND r.location_id = k.l AND r.day >= k.m AND r.day < (k.m + interval '1 month')::date
  GROUP BY r.client_id, r.location_id, r.sub_measure_key, k.m, r.channel;
END
$$;

CREATE FUNCTION hark_daily_rollups_changed() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM hark_refresh_coarse_rollups(array_agg(client_id), array_agg(location_id), array_agg(day))
    FROM (SELECT DISTINCT client_id, location_id, day FROM new_rows) k
    HAVING count(*) > 0;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM hark_refresh_coarse_rollups(array_agg(client_id), array_agg(location_id), array_agg(day))
    FROM (SELECT DISTINCT client_id, location_id, day FROM old_rows) k
    HAVING count(*) > 0;
  ELSE
    PERFORM hark_refresh_coarse_rollups(array_agg(client_id), array_agg(location_id), array_agg(day))
    FROM (SELECT client_id, location_id, day FROM old_rows UNION SELECT client_id, location_id, day FROM new_rows) k
    HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER coarse_rollups_after_insert AFTER INSERT ON feedback_daily_rollups
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hark_daily_rollups_changed();
CREATE TRIGGER coarse_rollups_after_update AFTER UPDATE ON feedback_daily_rollups
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hark_daily_rollups_changed();
CREATE TRIGGER coarse_rollups_after_delete AFTER DELETE ON feedback_daily_rollups
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hark_daily_rollups_changed();

-- The rollups written before this migration.
INSERT INTO feedback_monthly_rollups
  (client_id, location_id, sub_measure_key, month, channel, responses, score_sum, score_histogram, with_comment, contact_requested)
SELECT client_id, location_id, sub_measure_key, date_trunc('month', day::timestamp)::date, channel,
  sum(responses)::int, sum(score_sum)::int,
  array[sum(score_histogram[1]), sum(score_histogram[2]), sum(score_histogram[3]), sum(score_histogram[4]),
        sum(score_histogram[5]), sum(score_histogram[6]), sum(score_histogram[7]), sum(score_histogram[8]),
        sum(score_histogram[9]), sum(score_histogram[10]), sum(score_histogram[11])]::int[],
  sum(with_comment)::int, sum(contact_requested)::int
FROM feedback_daily_rollups
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO feedback_location_daily_rollups
  (client_id, location_id, day, channel, responses, score_sum, score_histogram, with_comment, contact_requested)
SELECT client_id, location_id, day, channel,
  sum(responses)::int, sum(score_sum)::int,
  array[sum(score_histogram[1]), sum(score_histogram[2]), sum(score_histogram[3]), sum(score_histogram[4]),
        sum(score_histogram[5]), sum(score_histogram[6]), sum(score_histogram[7]), sum(score_histogram[8]),
        sum(score_histogram[9]), sum(score_histogram[10]), sum(score_histogram[11])]::int[],
  sum(with_comment)::int, sum(contact_requested)::int
FROM feedback_daily_rollups
GROUP BY 1, 2, 3, 4;
