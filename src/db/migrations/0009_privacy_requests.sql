-- Privacy requests: a person's request for access to or correction of what Hark holds about
-- them (Privacy Act 2020, IPPs 6 and 7), the identifiers they proved they control, the
-- access packages built for them, and what each request found in each client.
--
-- A request is the operator's, not a client's: it spans every client, so privacy_requests,
-- privacy_request_identifiers and privacy_access_packages have no client_id and the
-- application role has no rights on them. The requester's contact details are sealed
-- (AES-256-GCM) under a key derived from the master key; codes and link tokens are stored
-- only as hashes.

CREATE TABLE privacy_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('access', 'correction')),
  name_enc bytea NOT NULL,
  -- What the requester says is wrong and what it should be (correction requests), sealed.
  details_enc bytea,
  state text NOT NULL DEFAULT 'received'
    CHECK (state IN ('received', 'verified', 'in_progress', 'extended', 'responded', 'refused')),
  received_at timestamptz NOT NULL DEFAULT now(),
  -- The day of receipt on New Zealand's calendar, from which working days count.
  received_on date NOT NULL,
  due_on date NOT NULL,
  -- Which holiday table computed due_on (src/privacy/working-days.ts).
  holiday_table_version text NOT NULL,
  verified_at timestamptz,
  extended_at timestamptz,
  extension_reason text CHECK (length(extension_reason) <= 2000),
  extension_notice_sent_at timestamptz,
  original_due_on date,
  reminder_10_sent_at timestamptz,
  reminder_15_sent_at timestamptz,
  closed_at timestamptz,
  outcome_note text CHECK (length(outcome_note) <= 5000),
  last_searched_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((state IN ('responded', 'refused')) = (closed_at IS NOT NULL))
);
CREATE INDEX privacy_requests_open ON privacy_requests (due_on) WHERE state IN ('verified', 'in_progress', 'extended');

-- Each email or mobile a requester gave, with its own one-time code (6 digits, 10 minutes,
-- single use, 5 tries). value_index is an HMAC under an installation key: it counts how
-- often one address asks, without holding the address in clear.
CREATE TABLE privacy_request_identifiers (
  request_id uuid NOT NULL REFERENCES privacy_requests (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('email', 'mobile')),
  value_enc bytea NOT NULL,
  value_index bytea NOT NULL,
  code_hash bytea NOT NULL,
  code_expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts BETWEEN 0 AND 5),
  code_used_at timestamptz,
  verified_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, kind)
);
CREATE INDEX privacy_request_identifiers_index ON privacy_request_identifiers (value_index, created_at);

-- An access package: the JSON sealed at rest, and a single-use download link (its token
-- hashed) valid for 7 days.
CREATE TABLE privacy_access_packages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id uuid NOT NULL REFERENCES privacy_requests (id) ON DELETE CASCADE,
  content_enc bytea NOT NULL,
  items integer NOT NULL,
  flagged integer NOT NULL,
  built_by uuid REFERENCES users (id) ON DELETE SET NULL,
  built_at timestamptz NOT NULL DEFAULT now(),
  token_hash bytea UNIQUE,
  link_issued_at timestamptz,
  link_expires_at timestamptz,
  downloaded_at timestamptz
);
CREATE INDEX privacy_access_packages_request ON privacy_access_packages (request_id, built_at DESC);

-- What a request's search found in a client: the end customers (and numbers) it concerns.
-- A tenant table, so a client's own jobs (retention) can ask, inside the client's
-- transaction, which of its end customers are under an open request.
CREATE TABLE privacy_request_subjects (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  request_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  end_customer_id uuid,
  mobile_index bytea,
  found_at timestamptz NOT NULL DEFAULT now(),
  -- Set when the request is answered or refused: the hold ends.
  closed_at timestamptz,
  PRIMARY KEY (client_id, id),
  FOREIGN KEY (client_id, end_customer_id) REFERENCES end_customers (client_id, id) ON DELETE CASCADE,
  CHECK (end_customer_id IS NOT NULL OR mobile_index IS NOT NULL)
);
CREATE INDEX privacy_request_subjects_request ON privacy_request_subjects (request_id);
CREATE INDEX privacy_request_subjects_open ON privacy_request_subjects (client_id, end_customer_id) WHERE closed_at IS NULL;

-- A statement of correction: the requester's view, kept with the record when the
-- information itself is not changed (IPP 7(2)). Sealed under the client's data key.
CREATE TABLE privacy_correction_statements (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  request_id uuid NOT NULL,
  end_customer_id uuid NOT NULL,
  feedback_id uuid,
  statement_enc bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id),
  FOREIGN KEY (client_id, end_customer_id) REFERENCES end_customers (client_id, id) ON DELETE CASCADE,
  FOREIGN KEY (client_id, feedback_id) REFERENCES feedback (client_id, id) ON DELETE CASCADE
);
CREATE INDEX privacy_correction_statements_feedback ON privacy_correction_statements (client_id, feedback_id);
CREATE INDEX privacy_correction_statements_end_customer ON privacy_correction_statements (client_id, end_customer_id);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['privacy_request_subjects', 'privacy_correction_statements']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO hark_app USING (client_id = hark_current_client()) WITH CHECK (client_id = hark_current_client())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hark_app', t);
  END LOOP;
END
$$;
