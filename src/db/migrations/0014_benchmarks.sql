-- Cross-business benchmarks: each client's industry, optional region and whether it
-- contributes its figures, and the one function that reads across clients.
--
-- Why a SECURITY DEFINER function rather than an operator-side summary table refreshed by a
-- job: the monthly rollups already are the summary (one row per location, sub-measure,
-- channel and month), so a cell's figures are one grouped read of them, current to the
-- last rollup and with no job, schedule or second copy of per-client figures to keep in
-- step or purge when a client leaves. The application role keeps row-level security
-- everywhere: it cannot read other clients' rollups or profiles; it may only call
-- hark_benchmark_cell, which runs with its owner's rights, takes the cell from the
-- calling client's own saved profile (never from a parameter), and returns one row of cell
-- aggregates and the caller's own rank in it, never a row per client. Every suppression
-- rule lives in that function, so the figures of a hidden cell never leave the database.
CREATE TABLE client_benchmark_profiles (
  client_id uuid PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
  industry text CHECK (industry IN ('cafe_restaurant', 'retail', 'health', 'automotive', 'hospitality', 'professional_services', 'other')),
  region text CHECK (region IN (
    'northland', 'auckland', 'waikato', 'bay_of_plenty', 'gisborne', 'hawkes_bay', 'taranaki',
    'manawatu_whanganui', 'wellington', 'tasman', 'nelson', 'marlborough', 'west_coast',
    'canterbury', 'otago', 'southland', 'chatham_islands')),
  contributes boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE client_benchmark_profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON client_benchmark_profiles TO hark_app
  USING (client_id = hark_current_client()) WITH CHECK (client_id = hark_current_client());
GRANT SELECT, INSERT, UPDATE, DELETE ON client_benchmark_profiles TO hark_app;

-- The benchmark cell of the calling client (hark.client_id): clients of the same industry
-- (and, with p_by_region, the same region) that contribute, scored on the same kind of scale
-- (p_kind 'nps': 0–10 programmes, by NPS; 'mean': 5-point programmes, by mean score), over
-- the whole months p_from_month .. p_to_month of the monthly rollups.
--
-- A client counts in the cell only with at least p_min_client_responses responses in the
-- period. The cell is shown only when every rule holds, else `hidden` names the first that
-- fails and every figure is NULL:
--   not_configured      the caller has chosen no industry (or no region, for a region cell)
--   too_few_clients     fewer than p_min_others contributing clients other than the caller
--   too_few_responses   fewer than p_min_cell_responses responses in the cell
--   dominant_client     one client gives more than half of the cell's responses
--   complement_too_small  (region cells) the rest of the industry cell outside this region
--                       holds between 1 and p_min_others − 1 clients: the region cell and
--                       the industry cell would differ by so few clients that comparing
--                       the two would expose them (a differencing attack)
-- Figures are rounded (NPS to 1, means to 0.01) so that small changes in the cell do not
-- show through.
CREATE FUNCTION hark_benchmark_cell(
  p_kind text, p_by_region boolean, p_from_month date, p_to_month date,
  p_min_others integer, p_min_cell_responses integer, p_min_client_responses integer
) RETURNS TABLE (
  hidden text, industry text, region text, others integer, responses bigint,
  q1 numeric, median numeric, q3 numeric, own_score numeric, own_responses bigint, below integer, equal integer
)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
WITH limits AS (
  -- The caller may make the thresholds stricter, never looser than the documented floor.
  SELECT greatest(p_min_others, 5) AS min_others, greatest(p_min_cell_responses, 100) AS min_cell,
         greatest(p_min_client_responses, 10) AS min_client, CASE WHEN p_kind = 'nps' THEN 0 ELSE 2 END AS digits
),
me AS (
  SELECT hark_current_client() AS client_id, b.industry, b.region, coalesce(b.contributes, false) AS contributes
  FROM (SELECT 1) one LEFT JOIN client_benchmark_profiles b ON b.client_id = hark_current_client()
),
-- Client-level scores in the caller's industry (every region) on scales of the kind asked
-- for: the caller's own whatever it chose, the others' only if they contribute.
scores AS (
  SELECT c.client_id, c.in_region, c.n,
    CASE WHEN p_kind = 'nps' THEN 100.0 * (c.promoters - c.detractors) / c.n ELSE c.total::numeric / c.n END AS score
  FROM (
    SELECT b.client_id, (b.region IS NOT DISTINCT FROM me.region) AS in_region,
      sum(m.responses)::bigint AS n, sum(m.score_sum)::bigint AS total,
      sum(m.score_histogram[10] + m.score_histogram[11])::bigint AS promoters,
      sum(m.score_histogram[1] + m.score_histogram[2] + m.score_histogram[3] + m.score_histogram[4]
        + m.score_histogram[5] + m.score_histogram[6] + m.score_histogram[7])::bigint AS detractors
    FROM me
    JOIN client_benchmark_profiles b ON b.industry = me.industry AND (b.contributes OR b.client_id = me.client_id)
    JOIN feedback_monthly_rollups m ON m.client_id = b.client_id AND m.month BETWEEN p_from_month AND p_to_month
    JOIN locations l ON l.client_id = m.client_id AND l.id = m.location_id
    JOIN programmes p ON p.client_id = l.client_id AND p.id = l.programme_id
    WHERE (CASE WHEN p.scale = 'nps_10' THEN 'nps' ELSE 'mean' END) = p_kind
    GROUP BY b.client_id, b.region, me.region
  ) c
  WHERE c.n > 0
),
-- The cell: contributing clients with enough responses (the caller only if it contributes).
cell AS (
  SELECT s.client_id, s.n, s.score FROM scores s, me, limits
  WHERE (NOT p_by_region OR s.in_region) AND s.n >= limits.min_client AND (s.client_id <> me.client_id OR me.contributes)
),
totals AS (
  SELECT count(*) FILTER (WHERE cell.client_id <> me.client_id)::integer AS others,
    coalesce(sum(cell.n), 0)::bigint AS responses, coalesce(max(cell.n), 0)::bigint AS largest,
    percentile_cont(0.25) WITHIN GROUP (ORDER BY cell.score) AS q1,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY cell.score) AS median,
    percentile_cont(0.75) WITHIN GROUP (ORDER BY cell.score) AS q3
  FROM me LEFT JOIN cell ON true
),
-- Others of the industry outside the caller's region: what separates the region cell from the industry cell.
rest AS (
  SELECT count(*)::integer AS n FROM scores s, me, limits
  WHERE NOT s.in_region AND s.n >= limits.min_client AND s.client_id <> me.client_id
),
own AS (
  SELECT max(s.n) AS n, round(max(s.score), (SELECT digits FROM limits)) AS score FROM scores s, me WHERE s.client_id = me.client_id
),
verdict AS (
  SELECT CASE
    WHEN me.industry IS NULL OR (p_by_region AND me.region IS NULL) THEN 'not_configured'
    WHEN t.others < limits.min_others THEN 'too_few_clients'
    WHEN t.responses < limits.min_cell THEN 'too_few_responses'
    WHEN t.largest * 2 > t.responses THEN 'dominant_client'
    WHEN p_by_region AND rest.n > 0 AND rest.n < limits.min_others THEN 'complement_too_small'
  END AS hidden
  FROM me, totals t, rest, limits
)
SELECT v.hidden, me.industry, CASE WHEN p_by_region THEN me.region END,
  CASE WHEN v.hidden IS NULL THEN t.others END,
  CASE WHEN v.hidden IS NULL THEN t.responses END,
  CASE WHEN v.hidden IS NULL THEN round(t.q1::numeric, limits.digits) END,
  CASE WHEN v.hidden IS NULL THEN round(t.median::numeric, limits.digits) END,
  CASE WHEN v.hidden IS NULL THEN round(t.q3::numeric, limits.digits) END,
  own.score, coalesce(own.n, 0)::bigint,
  CASE WHEN v.hidden IS NULL AND own.score IS NOT NULL THEN
    (SELECT count(*)::integer FROM cell, me m2 WHERE cell.client_id <> m2.client_id AND round(cell.score, limits.digits) < own.score) END,
  CASE WHEN v.hidden IS NULL AND own.score IS NOT NULL THEN
    (SELECT count(*)::integer FROM cell, me m2 WHERE cell.client_id <> m2.client_id AND round(cell.score, limits.digits) = own.score) END
FROM me, totals t, verdict v, own, limits
$$;
REVOKE ALL ON FUNCTION hark_benchmark_cell(text, boolean, date, date, integer, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hark_benchmark_cell(text, boolean, date, date, integer, integer, integer) TO hark_app;
