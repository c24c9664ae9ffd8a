-- Integrations: API keys a client's own systems call the API with, idempotent API submits,
-- email invitations with one-click score links, and webhooks (endpoints and the outbox of
-- their deliveries).

-- A key is shown once; only its SHA-256 is kept (the secret part is 32 random bytes, so a
-- fast hash is enough), with a short prefix people recognise it by.
CREATE TABLE api_keys (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  prefix text NOT NULL CHECK (prefix ~ '^hk_[a-z0-9]{8}$'),
  key_hash bytea NOT NULL CHECK (length(key_hash) = 32),
  scopes text[] NOT NULL CHECK (cardinality(scopes) >= 1 AND scopes <@ '{feedback:read,feedback:write,invitations:write,contact:read,settings:manage}'),
  -- NULL: every location of the client; else these and every location below them.
  location_scope uuid[],
  -- The person who made it: the key acts in their client, attributed to the key itself.
  created_by uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  revoked_by uuid REFERENCES users (id) ON DELETE SET NULL,
  PRIMARY KEY (client_id, id)
);
-- A presented key is found by its hash (not unique across clients: by construction it never repeats).
CREATE INDEX api_keys_hash ON api_keys (key_hash);

-- What an API submit answered, per client and Idempotency-Key, until it expires: the same
-- key and body answer the same again; the same key with another body is refused.
CREATE TABLE api_idempotency (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  api_key_id uuid,
  request_hash bytea NOT NULL,
  status_code smallint NOT NULL,
  response jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, idempotency_key),
  FOREIGN KEY (client_id, api_key_id) REFERENCES api_keys (client_id, id) ON DELETE SET NULL (api_key_id)
);
CREATE INDEX api_idempotency_expiry ON api_idempotency (expires_at);

-- An email invitation: one per customer and transaction. Its score links carry a token
-- signed for the invitation's id; the row makes it single-use and lets it expire.
CREATE TABLE email_invitations (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  location_id uuid NOT NULL,
  sub_measure_id uuid,
  email_enc bytea NOT NULL,
  -- Keyed hash of the normalised address: one invitation per address per quarantine period.
  email_index bytea NOT NULL,
  order_ref text CHECK (length(order_ref) <= 100),
  api_key_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  sent_at timestamptz,
  used_at timestamptz,
  feedback_id uuid,
  PRIMARY KEY (client_id, id),
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id),
  FOREIGN KEY (client_id, sub_measure_id) REFERENCES sub_measures (client_id, id),
  FOREIGN KEY (client_id, api_key_id) REFERENCES api_keys (client_id, id) ON DELETE SET NULL (api_key_id),
  FOREIGN KEY (client_id, feedback_id) REFERENCES feedback (client_id, id) ON DELETE SET NULL (feedback_id)
);

-- Where a client wants to hear of events. The signing secret is needed to sign, so it is
-- kept encrypted (AES-256-GCM under a key derived from the master key), never hashed.
CREATE INDEX email_invitations_recipient ON email_invitations (client_id, email_index, created_at DESC);

CREATE TABLE webhook_endpoints (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  url text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
  events text[] NOT NULL CHECK (cardinality(events) >= 1 AND events <@ '{feedback.created,case.opened,case.resolved}'),
  secret_enc bytea NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  disabled_at timestamptz,
  disabled_reason text,
  -- Failed attempts in a row, and when that run of failures began.
  consecutive_failures integer NOT NULL DEFAULT 0,
  failing_since timestamptz,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id)
);

-- The outbox: one row per event and endpoint. Worker processes claim due rows with FOR
-- UPDATE SKIP LOCKED and a lease, as the alert dispatcher does.
CREATE TABLE webhook_deliveries (
  client_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  endpoint_id uuid NOT NULL,
  event_type text NOT NULL,
  -- The Standard Webhooks message id: the same for every attempt and replay of this delivery.
  message_id text NOT NULL,
  -- The exact bytes signed and sent.
  payload text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'succeeded', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  last_status_code smallint,
  last_error text,
  last_duration_ms integer,
  last_attempt_at timestamptz,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id),
  FOREIGN KEY (client_id, endpoint_id) REFERENCES webhook_endpoints (client_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (client_id, endpoint_id, created_at DESC);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['api_keys', 'api_idempotency', 'email_invitations', 'webhook_endpoints', 'webhook_deliveries']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO hark_app USING (client_id = hark_current_client()) WITH CHECK (client_id = hark_current_client())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hark_app', t);
  END LOOP;
  EXECUTE 'CREATE POLICY location_scope ON email_invitations AS RESTRICTIVE TO hark_app USING ((SELECT hark_location_scope()) IS NULL OR location_id = ANY ((SELECT hark_location_scope())::uuid[]))';
END
$$;
