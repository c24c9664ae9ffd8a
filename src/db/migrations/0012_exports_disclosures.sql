-- Client exports and legal disclosures: operator records, reached only through operator
-- routes. They are about a client, not the client's own data, and must outlive it (proof
-- that an export was made before termination; the register of what was disclosed), so
-- they name the client in `subject_client_id` with no foreign key and no row-level
-- security, and the application role is given nothing on them.

CREATE TABLE client_exports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subject_client_id uuid NOT NULL,
  client_name text NOT NULL,
  file_name text NOT NULL,
  via text NOT NULL CHECK (via IN ('api', 'cli')),
  -- The operator's account for an export over the API; the CLI's user and host otherwise.
  requested_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  requested_by text NOT NULL,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'complete', 'failed')),
  schema_version text NOT NULL,
  -- Rows per kind, e.g. {"feedback": 1200, "end_customers": 300}.
  row_counts jsonb NOT NULL DEFAULT '{}',
  total_rows bigint,
  -- SHA-256 (hex) of the whole zip as it left, and its size.
  sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  byte_size bigint,
  error text,
  started_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  CHECK ((status = 'complete') = (sha256 IS NOT NULL AND completed_at IS NOT NULL))
);
CREATE INDEX client_exports_client ON client_exports (subject_client_id, started_at DESC);

-- The register of legal orders. Data leaves for one only through its single release.
CREATE TABLE disclosures (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_kind text NOT NULL CHECK (order_kind IN ('warrant', 'production_order', 'subpoena', 'other')),
  issuer text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 200),
  reference text NOT NULL CHECK (length(reference) BETWEEN 1 AND 200),
  order_date date NOT NULL,
  recipient text NOT NULL CHECK (length(recipient) BETWEEN 1 AND 500),
  notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
  subject_client_id uuid NOT NULL,
  client_name text NOT NULL,
  -- Scope: feedback ids and a date range in the clear; end customers' emails and mobiles
  -- encrypted under the client's keyring (destroying its keys makes them unreadable too).
  scope_feedback_ids uuid[] NOT NULL DEFAULT '{}',
  scope_from timestamptz,
  scope_to timestamptz,
  scope_emails_enc bytea[] NOT NULL DEFAULT '{}',
  scope_mobiles_enc bytea[] NOT NULL DEFAULT '{}',
  recorded_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  recorded_by_name text NOT NULL,
  -- A second operator, named, who approved the release.
  approver_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  approver_name text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL DEFAULT 'recorded' CHECK (status IN ('recorded', 'releasing', 'released', 'release_failed')),
  released_at timestamptz,
  released_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  released_by_name text,
  release_row_counts jsonb,
  release_sha256 text CHECK (release_sha256 ~ '^[0-9a-f]{64}$'),
  release_bytes bigint,
  release_error text,
  CHECK (scope_from IS NULL OR scope_to IS NULL OR scope_from <= scope_to),
  CHECK ((status = 'recorded') = (released_at IS NULL)),
  CHECK ((status = 'released') = (release_sha256 IS NOT NULL))
);
CREATE INDEX disclosures_recorded ON disclosures (recorded_at DESC);
CREATE INDEX disclosures_client ON disclosures (subject_client_id);
