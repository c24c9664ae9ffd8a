-- Foundation schema: tenants, programmes, locations, sub-measures, receipt codes, end
-- customers, feedback, consents, prize entries, daily rollups and the audit log.
--
-- Tenancy rules (docs/ARCHITECTURE.md): every tenant-owned table has client_id first in its
-- primary key, every foreign key between tenant tables includes client_id, and row-level
-- security refuses rows of other clients to the application role `hark_app`, keyed on the
-- per-transaction setting `hark.client_id`.

-- Roles belong to the whole cluster: databases migrating at the same moment (tests, a
-- fleet starting together) may both try to create it, and one of them wins.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hark_app') THEN
    CREATE ROLE hark_app NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;

-- The connecting (owning) role switches to hark_app for tenant work.
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'hark_app', 'MEMBER') THEN
    EXECUTE format('GRANT hark_app TO %I', current_user);
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO hark_app;

-- The client id of the current transaction, or NULL outside a tenant transaction.
CREATE FUNCTION hark_current_client() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('hark.client_id', true), '')::uuid $$;

CREATE TABLE clients (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  country char(2) NOT NULL DEFAULT 'NZ',
  timezone text NOT NULL DEFAULT 'Pacific/Auckland',
  privacy_policy_url text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Per-client keys, wrapped (AES-256-GCM) by the installation's master key. Destroying a
-- client's row makes every copy of its contact details unreadable, backups included.
CREATE TABLE client_keys (
  client_id uuid PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
  wrapped_data_key bytea NOT NULL,
  wrapped_index_key bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE programmes (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  scale text NOT NULL CHECK (scale IN ('recommend_5', 'nps_10', 'csat_5', 'stars_5')),
  lead_question text NOT NULL CHECK (length(lead_question) BETWEEN 1 AND 300),
  follow_up_question text NOT NULL CHECK (length(follow_up_question) BETWEEN 1 AND 300),
  intro_text text NOT NULL DEFAULT '',
  thank_you_title text NOT NULL DEFAULT 'Thank you',
  thank_you_text text NOT NULL DEFAULT 'Your feedback has been received.',
  prize_draw_enabled boolean NOT NULL DEFAULT false,
  prize_draw_description text NOT NULL DEFAULT '',
  prize_draw_terms_url text,
  privacy_policy_url text,
  retention_months integer NOT NULL DEFAULT 36 CHECK (retention_months BETWEEN 1 AND 240),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id)
);

CREATE TABLE locations (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  programme_id uuid NOT NULL,
  parent_id uuid,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- Public code in the invitation link /f/<code>: unique across the installation.
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
  sms_code text CHECK (sms_code ~ '^[A-Z0-9]{2,12}$'),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id),
  UNIQUE (client_id, sms_code),
  FOREIGN KEY (client_id, programme_id) REFERENCES programmes (client_id, id),
  FOREIGN KEY (client_id, parent_id) REFERENCES locations (client_id, id),
  CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX locations_parent ON locations (client_id, parent_id);

CREATE TABLE sub_measures (
  client_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  location_id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  code text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id),
  UNIQUE (client_id, location_id, code),
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id) ON DELETE CASCADE
);

-- Single-use codes printed on receipts; each belongs to one location.
CREATE TABLE receipt_codes (
  client_id uuid NOT NULL,
  code text NOT NULL CHECK (code ~ '^[A-Z0-9]{4,32}$'),
  location_id uuid NOT NULL,
  used_at timestamptz,
  feedback_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, code),
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id) ON DELETE CASCADE
);

-- An end customer is known only by what they chose to give. Contact details are
-- AES-256-GCM ciphertexts under the client's data key; *_index are keyed HMACs (blind
-- indexes) under the client's index key, for lookup without decryption.
CREATE TABLE end_customers (
  client_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name_enc bytea,
  email_enc bytea,
  mobile_enc bytea,
  email_index bytea,
  mobile_index bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id),
  FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE
);
CREATE INDEX end_customers_email ON end_customers (client_id, email_index) WHERE email_index IS NOT NULL;
CREATE INDEX end_customers_mobile ON end_customers (client_id, mobile_index) WHERE mobile_index IS NOT NULL;

CREATE TABLE feedback (
  client_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  programme_id uuid NOT NULL,
  location_id uuid NOT NULL,
  sub_measure_id uuid,
  channel text NOT NULL CHECK (channel IN ('sms', 'web', 'qr', 'kiosk', 'api', 'email')),
  scale text NOT NULL CHECK (scale IN ('recommend_5', 'nps_10', 'csat_5', 'stars_5')),
  score smallint NOT NULL,
  comment text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
  receipt_code text,
  end_customer_id uuid,
  contact_requested boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'resolved', 'closed')),
  category text NOT NULL DEFAULT 'general' CHECK (category IN ('complaint', 'compliment', 'suggestion', 'general')),
  -- One-time form token nonce: a resubmitted form finds its first feedback instead of adding one.
  form_nonce text,
  submitted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id),
  FOREIGN KEY (client_id, programme_id) REFERENCES programmes (client_id, id),
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id),
  FOREIGN KEY (client_id, sub_measure_id) REFERENCES sub_measures (client_id, id),
  FOREIGN KEY (client_id, end_customer_id) REFERENCES end_customers (client_id, id),
  FOREIGN KEY (client_id, receipt_code) REFERENCES receipt_codes (client_id, code),
  CHECK (
    (scale = 'nps_10' AND score BETWEEN 0 AND 10)
    OR (scale <> 'nps_10' AND score BETWEEN 1 AND 5)
  )
);
CREATE UNIQUE INDEX feedback_form_nonce ON feedback (client_id, form_nonce) WHERE form_nonce IS NOT NULL;
CREATE INDEX feedback_location_time ON feedback (client_id, location_id, submitted_at);
CREATE INDEX feedback_client_time ON feedback (client_id, submitted_at DESC, id DESC);

ALTER TABLE receipt_codes
  ADD FOREIGN KEY (client_id, feedback_id) REFERENCES feedback (client_id, id) DEFERRABLE INITIALLY DEFERRED;

-- What an end customer agreed to, when, and to which document.
CREATE TABLE consents (
  client_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  end_customer_id uuid NOT NULL,
  feedback_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('contact', 'prize_draw_terms', 'privacy_policy')),
  document_url text,
  given_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id),
  FOREIGN KEY (client_id, end_customer_id) REFERENCES end_customers (client_id, id) ON DELETE CASCADE,
  FOREIGN KEY (client_id, feedback_id) REFERENCES feedback (client_id, id) ON DELETE CASCADE
);
CREATE INDEX consents_end_customer ON consents (client_id, end_customer_id);

CREATE TABLE prize_entries (
  client_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  programme_id uuid NOT NULL,
  feedback_id uuid NOT NULL,
  end_customer_id uuid NOT NULL,
  entered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id),
  UNIQUE (client_id, feedback_id),
  FOREIGN KEY (client_id, programme_id) REFERENCES programmes (client_id, id),
  FOREIGN KEY (client_id, feedback_id) REFERENCES feedback (client_id, id) ON DELETE CASCADE,
  FOREIGN KEY (client_id, end_customer_id) REFERENCES end_customers (client_id, id) ON DELETE CASCADE
);

-- Daily figures per location, sub-measure (NULL: none given) and channel, in the client's
-- own calendar. score_histogram[i + 1] counts scores of value i (0..10), so every figure a
-- dashboard needs (mean, variance, NPS, top-box) follows without reading raw feedback.
CREATE TABLE feedback_daily_rollups (
  client_id uuid NOT NULL,
  location_id uuid NOT NULL,
  sub_measure_key uuid NOT NULL, -- the sub-measure id, or the nil uuid for none
  day date NOT NULL,
  channel text NOT NULL,
  responses integer NOT NULL,
  score_sum integer NOT NULL,
  score_histogram integer[] NOT NULL,
  with_comment integer NOT NULL,
  contact_requested integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, location_id, day, sub_measure_key, channel),
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id) ON DELETE CASCADE
);
CREATE INDEX feedback_daily_rollups_day ON feedback_daily_rollups (client_id, day);

-- Append-only, hash-chained audit log. One chain per client (operator events use the nil
-- uuid); each entry's hash covers the previous entry's hash, so an edit or a deletion
-- anywhere breaks verification from that point on.
CREATE TABLE audit_log (
  chain_id uuid NOT NULL,
  seq bigint NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  actor_kind text NOT NULL CHECK (actor_kind IN ('system', 'end_customer', 'user', 'operator', 'api_key')),
  actor_id text,
  action text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_.]{1,79}$'),
  subject_kind text,
  subject_id text,
  details jsonb NOT NULL DEFAULT '{}',
  prev_hash bytea NOT NULL,
  hash bytea NOT NULL,
  PRIMARY KEY (chain_id, seq)
);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- The entry's hash: sha256 over the previous hash and a canonical text of the entry.
CREATE FUNCTION audit_entry_hash(
  p_prev bytea, p_chain uuid, p_seq bigint, p_at timestamptz, p_actor_kind text, p_actor_id text,
  p_action text, p_subject_kind text, p_subject_id text, p_details jsonb
) RETURNS bytea
  LANGUAGE sql IMMUTABLE
  AS $$
    SELECT sha256(p_prev || convert_to(jsonb_build_array(
      p_chain, p_seq, to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
      p_actor_kind, p_actor_id, p_action, p_subject_kind, p_subject_id, p_details
    )::text, 'UTF8'))
  $$;

-- Appends one entry to a chain, serialised per chain by an advisory lock. It runs with the
-- caller's rights: for the application role, row-level security limits it to the current
-- client's chain.
CREATE FUNCTION audit_append(
  p_client uuid, p_actor_kind text, p_actor_id text, p_action text,
  p_subject_kind text, p_subject_id text, p_details jsonb
) RETURNS bigint
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $$
DECLARE
  v_chain uuid := coalesce(p_client, '00000000-0000-0000-0000-000000000000');
  v_prev bytea;
  v_seq bigint;
  v_at timestamptz := clock_timestamp();
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('audit_log:' || v_chain::text, 0));
  SELECT seq, hash INTO v_seq, v_prev FROM audit_log WHERE chain_id = v_chain ORDER BY seq DESC LIMIT 1;
  v_seq := coalesce(v_seq, 0) + 1;
  v_prev := coalesce(v_prev, '\x'::bytea);
  INSERT INTO audit_log (chain_id, seq, at, actor_kind, actor_id, action, subject_kind, subject_id, details, prev_hash, hash)
  VALUES (v_chain, v_seq, v_at, p_actor_kind, p_actor_id, p_action, p_subject_kind, p_subject_id, p_details, v_prev,
          audit_entry_hash(v_prev, v_chain, v_seq, v_at, p_actor_kind, p_actor_id, p_action, p_subject_kind, p_subject_id, p_details));
  RETURN v_seq;
END
$$;
GRANT EXECUTE ON FUNCTION audit_append(uuid, text, text, text, text, text, jsonb) TO hark_app;

-- Row-level security: the application role sees only the current transaction's client.
ALTER TABLE clients ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clients TO hark_app
  USING (id = hark_current_client()) WITH CHECK (id = hark_current_client());

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['client_keys', 'programmes', 'locations', 'sub_measures', 'receipt_codes',
                           'end_customers', 'feedback', 'consents', 'prize_entries', 'feedback_daily_rollups']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO hark_app USING (client_id = hark_current_client()) WITH CHECK (client_id = hark_current_client())', t);
  END LOOP;
END
$$;

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log TO hark_app
  USING (chain_id = hark_current_client()) WITH CHECK (chain_id = hark_current_client());
GRANT SELECT, INSERT ON audit_log TO hark_app;

GRANT SELECT, UPDATE ON clients TO hark_app;
GRANT SELECT ON client_keys TO hark_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON programmes, locations, sub_measures, receipt_codes,
  end_customers, feedback, consents, prize_entries, feedback_daily_rollups TO hark_app;
