-- Anonymised statistics for third parties: each release as it was handed over, and the
-- privacy-budget ledger that its epsilon is charged to.
--
-- Operator tables: no client_id, no row-level security, no rights for the application role;
-- only operator routes and `hark stats export` (as the owner) reach them.
--
-- A release keeps only what was released: the noisy, suppressed table (`cells`) and how it
-- was made (`method`: thresholds, clipping, noise scales, counts of suppressed cells). The
-- true figures are never stored, and a download returns the stored table: drawing fresh
-- noise for a second download would let the recipient average the noise away.
CREATE TABLE statistics_releases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now(),
  via text NOT NULL CHECK (via IN ('operator', 'cli')),
  -- The operator who made it (null from the CLI, where `requested_by` names the OS user).
  operator_id uuid,
  requested_by text,
  period_label text NOT NULL,
  from_month date NOT NULL CHECK (extract(day FROM from_month) = 1),
  to_month date NOT NULL CHECK (extract(day FROM to_month) = 1 AND to_month >= from_month),
  dimensions text[] NOT NULL CHECK (cardinality(dimensions) BETWEEN 1 AND 3 AND dimensions <@ ARRAY['industry', 'region', 'month']),
  epsilon numeric(7, 3) NOT NULL CHECK (epsilon > 0),
  method jsonb NOT NULL,
  cells jsonb NOT NULL
);
CREATE INDEX statistics_releases_newest ON statistics_releases (created_at DESC);

-- One row per charge against the budget. Append-only by convention of the code (the one
-- writer inserts a row in the same transaction as its release, under an advisory lock, so
-- two releases at once cannot both spend the last of the budget); the budget itself is
-- configuration (HARK_STATS_EPSILON_BUDGET), recorded beside each charge as it stood then.
CREATE TABLE statistics_budget_ledger (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  release_id uuid NOT NULL UNIQUE REFERENCES statistics_releases (id),
  epsilon numeric(7, 3) NOT NULL CHECK (epsilon > 0),
  budget_total numeric(7, 3) NOT NULL,
  spent_after numeric(7, 3) NOT NULL CHECK (spent_after <= budget_total),
  at timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON statistics_releases FROM hark_app;
REVOKE ALL ON statistics_budget_ledger FROM hark_app;
