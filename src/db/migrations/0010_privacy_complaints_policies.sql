-- Privacy complaints and the published versions of Hark's own privacy policy.
--
-- Both are the operator's, not a client's: a complaint may name a business that is no
-- client, and the policy governs everything Hark holds. So neither table carries client_id
-- nor row-level security; only operator routes reach them. Consents are a client's, and
-- each records the policy version that was shown when it was given.

-- Versions are numbered 1, 2, 3 … and never change once published; the highest one is the
-- policy in force, for all data held.
CREATE TABLE policy_versions (
  version integer PRIMARY KEY CHECK (version >= 1),
  format text NOT NULL CHECK (format IN ('markdown', 'text')),
  body text NOT NULL CHECK (length(body) >= 1 AND octet_length(body) <= 262144),
  sha256 bytea NOT NULL CHECK (length(sha256) = 32),
  source text NOT NULL CHECK (source IN ('default', 'cli', 'api')),
  published_by uuid REFERENCES users (id) ON DELETE SET NULL,
  published_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION policy_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'a published policy version is never changed or removed; publish a new version';
END
$$;
CREATE TRIGGER policy_versions_immutable BEFORE UPDATE OR DELETE ON policy_versions
  FOR EACH ROW EXECUTE FUNCTION policy_versions_immutable();

-- Tenant transactions record the version in force with each consent.
GRANT SELECT ON policy_versions TO hark_app;

-- NULL: given before Hark kept policy versions.
ALTER TABLE consents ADD COLUMN policy_version integer REFERENCES policy_versions (version);

-- Contact details, what happened and the response are sealed (AES-256-GCM) with a key
-- derived from the master key for this purpose; `business` is what the person typed.
CREATE TABLE privacy_complaints (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reference text NOT NULL UNIQUE CHECK (reference ~ '^PC-[0-9A-Z]{8}$'),
  channel text NOT NULL CHECK (channel IN ('web', 'phone', 'email', 'letter')),
  name_enc bytea NOT NULL,
  email_enc bytea,
  phone_enc bytea,
  details_enc bytea NOT NULL,
  business text CHECK (length(business) <= 200),
  received_at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'investigating', 'responded', 'closed')),
  response_enc bytea,
  responded_at timestamptz,
  responded_by uuid REFERENCES users (id) ON DELETE SET NULL,
  closed_at timestamptz,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((status IN ('responded', 'closed')) = (response_enc IS NOT NULL AND responded_at IS NOT NULL)),
  CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX privacy_complaints_open ON privacy_complaints (received_at) WHERE status IN ('received', 'investigating');

-- One row per reminder sent (or being sent) about a complaint: the key that makes the
-- reminder job idempotent however often it runs and however many workers run it.
CREATE TABLE privacy_complaint_reminders (
  complaint_id uuid NOT NULL REFERENCES privacy_complaints (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('week_before', 'due_date')),
  queued_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  recipients integer,
  PRIMARY KEY (complaint_id, kind)
);
