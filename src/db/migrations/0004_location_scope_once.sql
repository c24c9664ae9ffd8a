-- The location-scope policies read the setting once per query, not once per row: wrapped
-- in a sub-select, the planner evaluates it as an init plan. Measured on PostgreSQL for a
-- manager's dashboard over 14,600 rollup rows: 133–340 ms before, about 44 ms after.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['feedback', 'feedback_daily_rollups', 'responses', 'receipt_codes', 'sub_measures']
  LOOP
    EXECUTE format('DROP POLICY location_scope ON %I', t);
    EXECUTE format('CREATE POLICY location_scope ON %I AS RESTRICTIVE TO hark_app USING ((SELECT hark_location_scope()) IS NULL OR location_id = ANY ((SELECT hark_location_scope())::uuid[]))', t);
  END LOOP;
END
$$;
DROP POLICY location_scope ON locations;
CREATE POLICY location_scope ON locations AS RESTRICTIVE TO hark_app
  USING ((SELECT hark_location_scope()) IS NULL OR id = ANY ((SELECT hark_location_scope())::uuid[]));
