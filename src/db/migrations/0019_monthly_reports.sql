-- Monthly reports: who wants the emailed PDF, and which were sent.

-- A person's own choice for a client. Without a row the default holds: owners and admins
-- get the report, managers and viewers do not.
CREATE TABLE monthly_report_subscriptions (
  client_id uuid NOT NULL,
  user_id uuid NOT NULL,
  subscribed boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, user_id),
  FOREIGN KEY (client_id, user_id) REFERENCES memberships (client_id, user_id) ON DELETE CASCADE
);

-- One row per client, month and recipient, written in the transaction that enqueues the
-- send: a repeated run of the schedule finds the row and sends nothing twice.
CREATE TABLE monthly_report_sends (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  month date NOT NULL CHECK (extract(day FROM month) = 1),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  queued_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  PRIMARY KEY (client_id, month, user_id)
);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['monthly_report_subscriptions', 'monthly_report_sends']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO hark_app USING (client_id = hark_current_client()) WITH CHECK (client_id = hark_current_client())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hark_app', t);
  END LOOP;
END
$$;
