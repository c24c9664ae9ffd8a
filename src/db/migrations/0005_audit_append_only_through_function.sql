-- The application role may add to the audit log only through audit_append, which stamps
-- the time and computes the hash itself: a direct INSERT could backdate an entry and still
-- verify. audit_append runs with its owner's rights and keeps a tenant transaction to its
-- own client's chain (and out of the operator chain).
REVOKE INSERT ON audit_log FROM hark_app;

CREATE OR REPLACE FUNCTION audit_append(
  p_client uuid, p_actor_kind text, p_actor_id text, p_action text,
  p_subject_kind text, p_subject_id text, p_details jsonb
) RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  v_tenant uuid := hark_current_client();
  v_chain uuid := coalesce(p_client, '00000000-0000-0000-0000-000000000000');
  v_prev bytea;
  v_seq bigint;
  v_at timestamptz := clock_timestamp();
BEGIN
  IF v_tenant IS NOT NULL AND v_chain IS DISTINCT FROM v_tenant THEN
    RAISE EXCEPTION 'audit_append: a transaction of client % may not write to the audit chain %', v_tenant, v_chain
      USING ERRCODE = 'insufficient_privilege';
  END IF;
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
REVOKE ALL ON FUNCTION audit_append(uuid, text, text, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_append(uuid, text, text, text, text, text, jsonb) TO hark_app;
