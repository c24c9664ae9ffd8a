-- Prize draws: per programme and period (week, month or quarter, in the client's calendar).
-- Verifiable: when a draw is set up Hark publishes a commitment, the SHA-256 of a secret
-- seed; after the period closes it freezes the ordered list of entrants (pseudonymous
-- tokens, one per person), publishes the seed and the list's hash, and the winners follow
-- from both by the algorithm in docs/prize-draws.md. Anyone can re-run it.

-- How a programme's draws run.
CREATE TABLE prize_draw_settings (
  client_id uuid NOT NULL,
  programme_id uuid NOT NULL,
  period text NOT NULL DEFAULT 'month' CHECK (period IN ('week', 'month', 'quarter')),
  winners smallint NOT NULL DEFAULT 1 CHECK (winners BETWEEN 1 AND 50),
  -- Entrants' contact details go this many days after the draw (the terms say how long).
  purge_after_days integer NOT NULL DEFAULT 30 CHECK (purge_after_days BETWEEN 1 AND 365),
  prize text NOT NULL DEFAULT '' CHECK (length(prize) <= 200),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, programme_id),
  FOREIGN KEY (client_id, programme_id) REFERENCES programmes (client_id, id) ON DELETE CASCADE
);

CREATE TABLE prize_draws (
  client_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  programme_id uuid NOT NULL,
  period text NOT NULL CHECK (period IN ('week', 'month', 'quarter')),
  -- The period's first day and the day after its last, in the client's calendar.
  period_start date NOT NULL,
  period_end date NOT NULL,
  winners smallint NOT NULL CHECK (winners BETWEEN 1 AND 50),
  prize text NOT NULL DEFAULT '',
  -- The seed, sealed with an installation key until it is revealed after the draw.
  seed_sealed bytea NOT NULL,
  commitment bytea NOT NULL CHECK (length(commitment) = 32),
  committed_at timestamptz NOT NULL DEFAULT now(),
  seed bytea CHECK (seed IS NULL OR length(seed) = 32),
  entries_hash bytea,
  entry_count integer,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'drawn', 'purged')),
  drawn_at timestamptz,
  drawn_by uuid REFERENCES users (id) ON DELETE SET NULL,
  purge_after_days integer NOT NULL,
  purged_at timestamptz,
  PRIMARY KEY (client_id, id),
  UNIQUE (client_id, programme_id, period, period_start),
  FOREIGN KEY (client_id, programme_id) REFERENCES programmes (client_id, id) ON DELETE CASCADE,
  CHECK (period_end > period_start),
  CHECK ((status = 'open') = (seed IS NULL))
);
-- The public page finds a draw by its id alone.
CREATE UNIQUE INDEX prize_draws_id ON prize_draws (id);

-- The frozen, ordered entry list: one row per person, in token order.
CREATE TABLE prize_draw_entrants (
  client_id uuid NOT NULL,
  draw_id uuid NOT NULL,
  position integer NOT NULL CHECK (position >= 0),
  token text NOT NULL CHECK (token ~ '^[0-9a-f]{32}$'),
  -- Who it is, until the purge.
  end_customer_id uuid,
  PRIMARY KEY (client_id, draw_id, position),
  UNIQUE (client_id, draw_id, token),
  FOREIGN KEY (client_id, draw_id) REFERENCES prize_draws (client_id, id) ON DELETE CASCADE,
  FOREIGN KEY (client_id, end_customer_id) REFERENCES end_customers (client_id, id) ON DELETE SET NULL (end_customer_id)
);

-- Each round of the draw picks one entrant. A winner found ineligible is recorded as such,
-- with the reason, and the next round picks again from those not yet picked.
CREATE TABLE prize_draw_winners (
  client_id uuid NOT NULL,
  draw_id uuid NOT NULL,
  round integer NOT NULL CHECK (round >= 1),
  position integer NOT NULL,
  status text NOT NULL DEFAULT 'selected' CHECK (status IN ('selected', 'ineligible')),
  ineligible_reason text CHECK (length(ineligible_reason) <= 500),
  decided_by uuid REFERENCES users (id) ON DELETE SET NULL,
  decided_at timestamptz,
  notified_at timestamptz,
  notified_by text CHECK (notified_by IN ('email', 'sms')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, draw_id, round),
  UNIQUE (client_id, draw_id, position),
  FOREIGN KEY (client_id, draw_id, position) REFERENCES prize_draw_entrants (client_id, draw_id, position) ON DELETE CASCADE,
  CHECK ((status = 'ineligible') = (ineligible_reason IS NOT NULL))
);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['prize_draw_settings', 'prize_draws', 'prize_draw_entrants', 'prize_draw_winners']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO hark_app USING (client_id = hark_current_client()) WITH CHECK (client_id = hark_current_client())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hark_app', t);
  END LOOP;
END
$$;
