-- Retention. Each programme keeps feedback for its retention period; a daily run then
-- anonymises the feedback (score, place and month kept for the figures; comment, contact
-- and exact time gone) and deletes what only served it: replies, consents, prize entries,
-- alerts, texts. A legal hold keeps rows exactly as they are until it is released.

ALTER TABLE feedback ADD COLUMN anonymised_at timestamptz;
CREATE INDEX feedback_not_anonymised ON feedback (client_id, submitted_at) WHERE anonymised_at IS NULL;

-- A hold on a whole client (both ids null), on one end customer's data, or on one feedback.
CREATE TABLE legal_holds (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  feedback_id uuid,
  end_customer_id uuid,
  reason text NOT NULL CHECK (length(reason) BETWEEN 3 AND 500),
  placed_by uuid REFERENCES users (id) ON DELETE SET NULL,
  placed_at timestamptz NOT NULL DEFAULT now(),
  released_at timestamptz,
  released_by uuid REFERENCES users (id) ON DELETE SET NULL,
  PRIMARY KEY (client_id, id),
  FOREIGN KEY (client_id, feedback_id) REFERENCES feedback (client_id, id) ON DELETE CASCADE,
  FOREIGN KEY (client_id, end_customer_id) REFERENCES end_customers (client_id, id) ON DELETE CASCADE,
  CHECK (feedback_id IS NULL OR end_customer_id IS NULL)
);
CREATE INDEX legal_holds_active ON legal_holds (client_id) WHERE released_at IS NULL;

ALTER TABLE legal_holds ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON legal_holds TO hark_app USING (client_id = hark_current_client()) WITH CHECK (client_id = hark_current_client());
GRANT SELECT, INSERT, UPDATE ON legal_holds TO hark_app;

-- What each run did (operator table: the counts, never the rows). A dry run reports what a
-- run would do and changes nothing.
CREATE TABLE retention_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dry_run boolean NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'cli', 'operator')),
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at timestamptz,
  -- { table: { anonymised: n, deleted: n } } over all clients.
  totals jsonb NOT NULL DEFAULT '{}',
  -- { reason: n }: due rows left alone, and why.
  skipped jsonb NOT NULL DEFAULT '{}',
  clients integer NOT NULL DEFAULT 0,
  error text
);
CREATE INDEX retention_runs_started ON retention_runs (started_at DESC);
