-- Client key secrets leave the database for the key store (src/keys/key-store.ts), and
-- clients can be terminated with a signed deletion certificate.

-- client_keys now only names a client's key. Rows from before keep their wrapped keys
-- until the first start after this migration moves them to the key store and clears
-- them (src/keys/move-keys-to-store.ts); the application never writes them again.
ALTER TABLE client_keys ADD COLUMN key_id uuid UNIQUE;
ALTER TABLE client_keys ALTER COLUMN wrapped_data_key DROP NOT NULL;
ALTER TABLE client_keys ALTER COLUMN wrapped_index_key DROP NOT NULL;
ALTER TABLE client_keys ADD CONSTRAINT client_keys_named_or_legacy
  CHECK (key_id IS NOT NULL OR (wrapped_data_key IS NOT NULL AND wrapped_index_key IS NOT NULL));

-- Terminations: an operator record about a client, which must outlive it (the deletion
-- certificate), so it names the client in subject_client_id with no foreign key and no
-- row-level security, like client_exports; the application role is given nothing on it.
CREATE TABLE client_terminations (
  subject_client_id uuid PRIMARY KEY,
  client_name text NOT NULL,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'complete')),
  requested_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  requested_by text NOT NULL,
  via text NOT NULL CHECK (via IN ('api', 'cli')),
  -- The export it relied on, or why none was checked.
  export_id uuid,
  export_check text NOT NULL CHECK (export_check IN ('verified', 'skipped')),
  started_at timestamptz NOT NULL DEFAULT now(),
  keys_destroyed_at timestamptz,
  -- [{"keyId": …, "createdAt": …}] of the keys destroyed.
  destroyed_keys jsonb NOT NULL DEFAULT '[]',
  -- Rows deleted per table, e.g. {"feedback": 1200}.
  row_counts jsonb NOT NULL DEFAULT '{}',
  completed_at timestamptz,
  -- The certificate exactly as signed (canonical JSON text), its Ed25519 signature and the
  -- id of the installation signing key.
  certificate text,
  signature bytea,
  signing_key_id text,
  CHECK ((status = 'complete') = (certificate IS NOT NULL AND signature IS NOT NULL AND completed_at IS NOT NULL))
);
CREATE INDEX client_terminations_started ON client_terminations (started_at DESC);

-- The audit log refuses every UPDATE and DELETE, with one exception: erasing one whole
-- client chain inside audit_erase_chain, which sets hark.audit_erase_chain for its own
-- transaction. The application role has no DELETE on audit_log at all, so only the owner
-- (through that function) reaches this path.
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND OLD.chain_id <> '00000000-0000-0000-0000-000000000000'
     AND current_setting('hark.audit_erase_chain', true) = OLD.chain_id::text THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only';
END
$$;

-- Erases the audit chain of a terminated client. First records the chain's length and final
-- hash in the operator chain, so the operator chain vouches for what the erased chain held;
-- then deletes it. Refuses the operator chain and a client that still exists.
CREATE FUNCTION audit_erase_chain(p_client uuid, p_actor_kind text, p_actor_id text)
  RETURNS TABLE (entries bigint, final_seq bigint, final_hash bytea, operator_seq bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  v_entries bigint;
  v_seq bigint;
  v_hash bytea;
  v_operator_seq bigint;
BEGIN
  IF p_client IS NULL OR p_client = '00000000-0000-0000-0000-000000000000' THEN
    RAISE EXCEPTION 'audit_erase_chain: the operator chain is never erased';
  END IF;
  IF EXISTS (SELECT 1 FROM clients WHERE id = p_client) THEN
    RAISE EXCEPTION 'audit_erase_chain: client % still exists; delete its rows first', p_client;
  END IF;
  -- The same lock audit_append takes: no entry joins the chain while it is erased.
  PERFORM pg_advisory_xact_lock(hashtextextended('audit_log:' || p_client::text, 0));
  SELECT count(*), max(seq) INTO v_entries, v_seq FROM audit_log WHERE chain_id = p_client;
  SELECT hash INTO v_hash FROM audit_log WHERE chain_id = p_client AND seq = v_seq;
  v_operator_seq := audit_append(NULL, p_actor_kind, p_actor_id, 'client.audit_chain_erased', 'client', p_client::text,
    jsonb_build_object('entries', v_entries, 'final_seq', v_seq, 'final_hash', encode(coalesce(v_hash, '\x'::bytea), 'hex')));
  PERFORM set_config('hark.audit_erase_chain', p_client::text, true);
  DELETE FROM audit_log WHERE chain_id = p_client;
  PERFORM set_config('hark.audit_erase_chain', '', true);
  RETURN QUERY SELECT v_entries, v_seq, v_hash, v_operator_seq;
END
$$;
REVOKE ALL ON FUNCTION audit_erase_chain(uuid, text, text) FROM PUBLIC;
