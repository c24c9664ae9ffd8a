-- Backups of the whole database, one row per run: scheduled, asked for by operator staff,
-- or made by `hark backup`. An operator table: no client data, no row-level security, no
-- rights for the application role; only operator routes and jobs (as the owner) reach it.
CREATE TABLE backups (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'operator', 'cli')),
  requested_by uuid,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  requested_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  -- The backup's folder (beside its data file and manifest.json) and the data file's size and SHA-256.
  location text,
  size_bytes bigint,
  sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  -- A summary of the manifest: database kind, schema version, tables, rows, chain heads.
  summary jsonb,
  error text
);
CREATE INDEX backups_newest ON backups (status, finished_at DESC);
REVOKE ALL ON backups FROM hark_app;
