-- Portal: personnel accounts, memberships, sessions, invitations, password resets, login
-- throttling, replies and notes, response templates, and location-scope security.
--
-- Accounts are installation-wide (one person may work for several clients); a membership
-- ties an account to a client with a role and a location scope. Operator staff are accounts
-- of kind 'operator' with no memberships; what they read of a client is audited.

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL DEFAULT 'personnel' CHECK (kind IN ('personnel', 'operator')),
  -- The login: stored lower-case and trimmed, unique across the installation.
  email text NOT NULL UNIQUE CHECK (email = lower(btrim(email)) AND length(email) BETWEEN 3 AND 254),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  password_hash text,              -- argon2id (PHC string); NULL until an invitation is accepted
  password_changed_at timestamptz,
  totp_secret_enc bytea,           -- AES-256-GCM under a key derived from the master key
  totp_enabled_at timestamptz,
  totp_last_step bigint,           -- the last accepted time step: a code works once
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'viewer')),
  -- The locations (and everything below them) a manager or viewer may see; NULL: all.
  location_scope uuid[],
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, user_id),
  CHECK (role IN ('manager', 'viewer') OR location_scope IS NULL)
);
CREATE INDEX memberships_user ON memberships (user_id);

ALTER TABLE clients ADD COLUMN require_totp boolean NOT NULL DEFAULT false;

-- Only a hash of the session token is stored: a copy of the database cannot be replayed
-- as someone's session.
CREATE TABLE sessions (
  token_hash bytea PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  active_client_id uuid REFERENCES clients (id) ON DELETE SET NULL,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  user_agent text
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Failed logins, counted per account and, for browsers that have signed in before, per
-- device: an attacker who locks an account out locks out only browsers it has not seen
-- succeed, so the owner's own browser keeps working.
CREATE TABLE login_failures (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  device text NOT NULL, -- a known device's id, or '' for any browser not known to succeed
  failures integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  last_failure_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, device)
);

-- Invitation and reset links are <id>.<HMAC(id)> under a key derived from the master key,
-- so the database holds no usable token.
CREATE TABLE invitations (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  email text NOT NULL CHECK (email = lower(btrim(email))),
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'viewer')),
  location_scope uuid[],
  invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  revoked_at timestamptz,
  PRIMARY KEY (client_id, id),
  CHECK (role IN ('manager', 'viewer') OR location_scope IS NULL)
);
CREATE UNIQUE INDEX invitations_id ON invitations (id);

CREATE TABLE password_resets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);

-- Replies to the end customer (email, sms) and internal notes, on a feedback's timeline.
CREATE TABLE responses (
  client_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  feedback_id uuid NOT NULL,
  location_id uuid NOT NULL, -- the feedback's, so location scope applies without a join
  kind text NOT NULL CHECK (kind IN ('email', 'sms', 'note')),
  direction text NOT NULL DEFAULT 'outbound' CHECK (direction IN ('outbound', 'inbound')),
  author_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  subject text CHECK (length(subject) <= 200),
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
  status text NOT NULL CHECK (status IN ('recorded', 'queued', 'sent', 'failed')),
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  PRIMARY KEY (client_id, id),
  FOREIGN KEY (client_id, feedback_id) REFERENCES feedback (client_id, id) ON DELETE CASCADE,
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id)
);
CREATE INDEX responses_feedback ON responses (client_id, feedback_id, created_at);

CREATE TABLE response_templates (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  score_band text NOT NULL CHECK (score_band IN ('low', 'middle', 'high', 'any')),
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
  archived_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id)
);

ALTER TABLE locations ADD COLUMN archived_at timestamptz;
ALTER TABLE sub_measures ADD COLUMN archived_at timestamptz;
ALTER TABLE feedback ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE feedback ADD COLUMN first_response_at timestamptz;
-- Full-text search over comments, for the inbox.
ALTER TABLE feedback ADD COLUMN comment_search tsvector
  GENERATED ALWAYS AS (to_tsvector('english', comment)) STORED;
CREATE INDEX feedback_comment_search ON feedback USING gin (comment_search);
CREATE INDEX feedback_sub_measure_time ON feedback (client_id, sub_measure_id, submitted_at DESC, id DESC)
  WHERE sub_measure_id IS NOT NULL;

-- Location scope: inside a manager's or viewer's transaction `hark.location_scope` holds
-- the ids of every location they may see (their scope and everything below it); rows of
-- other locations are refused even if a query forgets its filter. Empty or unset: no limit.
CREATE FUNCTION hark_location_scope() RETURNS uuid[]
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('hark.location_scope', true), '')::uuid[] $$;

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE responses ENABLE ROW LEVEL SECURITY;
ALTER TABLE response_templates ENABLE ROW LEVEL SECURITY;
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['memberships', 'invitations', 'responses', 'response_templates']
  LOOP
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO hark_app USING (client_id = hark_current_client()) WITH CHECK (client_id = hark_current_client())', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['feedback', 'feedback_daily_rollups', 'responses', 'receipt_codes', 'sub_measures']
  LOOP
    EXECUTE format('CREATE POLICY location_scope ON %I AS RESTRICTIVE TO hark_app USING (hark_location_scope() IS NULL OR location_id = ANY (hark_location_scope()))', t);
  END LOOP;
END
$$;
CREATE POLICY location_scope ON locations AS RESTRICTIVE TO hark_app
  USING (hark_location_scope() IS NULL OR id = ANY (hark_location_scope()));

GRANT SELECT, INSERT, UPDATE, DELETE ON memberships, invitations, responses, response_templates TO hark_app;
