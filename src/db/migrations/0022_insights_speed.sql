-- Coarser term summaries for the comments cloud, so a long period or a whole business does
-- not add up hundreds of thousands of per-day, per-location rows (comment_term_daily holds
-- one row per client, day, location and term: for a year of a 50-location client with
-- varied comments, about two million rows).
--
--   comment_term_monthly: comment_term_daily summed per month (the date of the 1st, in the
--   client's calendar, as the days are), per location. A scoped reader (some locations) reads
--   whole months from here and only the days of partly covered months from the daily table.
--   comment_term_client_daily / comment_term_client_monthly: the same summed over every
--   location, per day and per month, for readers who see the whole business: a year is a few
--   thousand rows. Row-level security lets only a transaction with no location scope see them.
--
-- The database keeps all three in step with comment_analysis, as migration 0016 keeps the
-- daily summary: statement triggers add an analysis's terms when it is inserted, take them
-- away when it is deleted. Each row's label is the least label of the daily rows it sums,
-- as a reader of the daily rows would see it: after a removal, the labels of the touched
-- rows are taken again from the daily rows. These triggers are named to run after 0016's
-- (triggers of one event fire in name order), so the daily rows are already up to date.
--
-- The trigger function runs with its owner's rights: the rows it sums come from the
-- caller's own writes to comment_analysis (row-level security applied there), and a
-- client-wide row must change whatever location scope the writing transaction has. A
-- trigger function cannot be called directly.

CREATE TABLE comment_term_monthly (
  client_id uuid NOT NULL,
  month date NOT NULL CHECK (extract(day FROM month) = 1),
  location_id uuid NOT NULL,
  term text NOT NULL,
  label text NOT NULL,
  comments integer NOT NULL,
  sentiment_milli_sum bigint NOT NULL,
  rating_percent_sum bigint NOT NULL,
  PRIMARY KEY (client_id, month, location_id, term),
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id) ON DELETE CASCADE
);

CREATE TABLE comment_term_client_daily (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  day date NOT NULL,
  term text NOT NULL,
  label text NOT NULL,
  comments integer NOT NULL,
  sentiment_milli_sum bigint NOT NULL,
  rating_percent_sum bigint NOT NULL,
  PRIMARY KEY (client_id, day, term)
);

CREATE TABLE comment_term_client_monthly (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  month date NOT NULL CHECK (extract(day FROM month) = 1),
  term text NOT NULL,
  label text NOT NULL,
  comments integer NOT NULL,
  sentiment_milli_sum bigint NOT NULL,
  rating_percent_sum bigint NOT NULL,
  PRIMARY KEY (client_id, month, term)
);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['comment_term_monthly', 'comment_term_client_daily', 'comment_term_client_monthly']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO hark_app USING (client_id = hark_current_client()) WITH CHECK (client_id = hark_current_client())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hark_app', t);
  END LOOP;
  EXECUTE 'CREATE POLICY location_scope ON comment_term_monthly AS RESTRICTIVE TO hark_app USING ((SELECT hark_location_scope()) IS NULL OR location_id = ANY ((SELECT hark_location_scope())::uuid[]))';
  -- Sums over every location: only for a transaction that may see every location.
  FOREACH t IN ARRAY ARRAY['comment_term_client_daily', 'comment_term_client_monthly']
  LOOP
    EXECUTE format('CREATE POLICY whole_client_only ON %I AS RESTRICTIVE TO hark_app USING ((SELECT hark_location_scope()) IS NULL)', t);
  END LOOP;
END
$$;

-- The per-day, per-location term counts of a statement's analyses, as a set of rows (the
-- trigger hands them over as JSON, the way migration 0016's functions take theirs).
CREATE FUNCTION hark_term_delta(delta jsonb) RETURNS TABLE (
  client_id uuid, day date, month date, location_id uuid, term text, label text, comments bigint, sentiment_milli_sum bigint, rating_percent_sum bigint
)
  LANGUAGE sql IMMUTABLE
  AS $$
SELECT r.client_id, r.day, date_trunc('month', r.day::timestamp)::date, r.location_id, r.term, r.label, r.comments, r.sentiment_milli_sum, r.rating_percent_sum
FROM jsonb_to_recordset(delta) AS r(client_id uuid, day date, location_id uuid, term text, label text, comments bigint, sentiment_milli_sum bigint, rating_percent_sum bigint)
$$;

-- Adds (direction 1) or takes away (direction -1) term counts to the three summaries.
-- Upserts go in key order, so concurrent transactions cannot deadlock on them. Taking away
-- only updates rows that exist, takes the labels of the touched rows again from the finer
-- rows, and drops emptied rows.
CREATE FUNCTION hark_comment_terms_coarse_apply(delta jsonb, direction integer) RETURNS void
  LANGUAGE plpgsql SET search_path = public, pg_temp
  AS $$
BEGIN
  IF delta IS NULL THEN
    RETURN;
  END IF;
  IF direction > 0 THEN
    INSERT INTO comment_term_monthly AS d (client_id, month, location_id, term, label, comments, sentiment_milli_sum, rating_percent_sum)
    SELECT k.client_id, k.month, k.location_id, k.term, min(k.label), sum(k.comments), sum(k.sentiment_milli_sum), sum(k.rating_percent_sum)
    FROM hark_term_delta(delta) k GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (client_id, month, location_id, term) DO UPDATE SET
      comments = d.comments + excluded.comments,
      sentiment_milli_sum = d.sentiment_milli_sum + excluded.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum + excluded.rating_percent_sum,
      label = least(d.label, excluded.label);
    INSERT INTO comment_term_client_daily AS d (client_id, day, term, label, comments, sentiment_milli_sum, rating_percent_sum)
    SELECT k.client_id, k.day, k.term, min(k.label), sum(k.comments), sum(k.sentiment_milli_sum), sum(k.rating_percent_sum)
    FROM hark_term_delta(delta) k GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (client_id, day, term) DO UPDATE SET
      comments = d.comments + excluded.comments,
      sentiment_milli_sum = d.sentiment_milli_sum + excluded.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum + excluded.rating_percent_sum,
      label = least(d.label, excluded.label);
    INSERT INTO comment_term_client_monthly AS d (client_id, month, term, label, comments, sentiment_milli_sum, rating_percent_sum)
    SELECT k.client_id, k.month, k.term, min(k.label), sum(k.comments), sum(k.sentiment_milli_sum), sum(k.rating_percent_sum)
    FROM hark_term_delta(delta) k GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (client_id, month, term) DO UPDATE SET
      comments = d.comments + excluded.comments,
      sentiment_milli_sum = d.sentiment_milli_sum + excluded.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum + excluded.rating_percent_sum,
      label = least(d.label, excluded.label);
  ELSE
    UPDATE comment_term_monthly d SET
      comments = d.comments - k.comments,
      sentiment_milli_sum = d.sentiment_milli_sum - k.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum - k.rating_percent_sum,
      label = coalesce((SELECT min(x.label) FROM comment_term_daily x
        WHERE x.client_id = d.client_id AND x.location_id = d.location_id AND x.term = d.term
          AND x.day >= d.month AND x.day < (d.month + interval '1 month')::date), d.label)
    FROM (SELECT k.client_id, k.month, k.location_id, k.term, sum(k.comments) AS comments, sum(k.sentiment_milli_sum) AS sentiment_milli_sum, sum(k.rating_percent_sum) AS rating_percent_sum
          FROM hark_term_delta(delta) k GROUP BY 1, 2, 3, 4) k
    WHERE d.client_id = k.client_id AND d.month = k.month AND d.location_id = k.location_id AND d.term = k.term;
    UPDATE comment_term_client_daily d SET
      comments = d.comments - k.comments,
      sentiment_milli_sum = d.sentiment_milli_sum - k.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum - k.rating_percent_sum,
      label = coalesce((SELECT min(x.label) FROM comment_term_daily x WHERE x.client_id = d.client_id AND x.day = d.day AND x.term = d.term), d.label)
    FROM (SELECT k.client_id, k.day, k.term, sum(k.comments) AS comments, sum(k.sentiment_milli_sum) AS sentiment_milli_sum, sum(k.rating_percent_sum) AS rating_percent_sum
          FROM hark_term_delta(delta) k GROUP BY 1, 2, 3) k
    WHERE d.client_id = k.client_id AND d.day = k.day AND d.term = k.term;
    UPDATE comment_term_client_monthly d SET
      comments = d.comments - k.comments,
      sentiment_milli_sum = d.sentiment_milli_sum - k.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum - k.rating_percent_sum,
      label = coalesce((SELECT min(x.label) FROM comment_term_monthly x WHERE x.client_id = d.client_id AND x.month = d.month AND x.term = d.term AND x.comments > 0), d.label)
    FROM (SELECT k.client_id, k.month, k.term, sum(k.comments) AS comments, sum(k.sentiment_milli_sum) AS sentiment_milli_sum, sum(k.rating_percent_sum) AS rating_percent_sum
          FROM hark_term_delta(delta) k GROUP BY 1, 2, 3) k
    WHERE d.client_id = k.client_id AND d.month = k.month AND d.term = k.term;
    DELETE FROM comment_term_monthly d USING (SELECT DISTINCT k.client_id, k.month, k.location_id, k.term FROM hark_term_delta(delta) k) k
    WHERE d.client_id = k.client_id AND d.month = k.month AND d.location_id = k.location_id AND d.term = k.term AND d.comments <= 0;
    DELETE FROM comment_term_client_daily d USING (SELECT DISTINCT k.client_id, k.day, k.term FROM hark_term_delta(delta) k) k
    WHERE d.client_id = k.client_id AND d.day = k.day AND d.term = k.term AND d.comments <= 0;
    DELETE FROM comment_term_client_monthly d USING (SELECT DISTINCT k.client_id, k.month, k.term FROM hark_term_delta(delta) k) k
    WHERE d.client_id = k.client_id AND d.month = k.month AND d.term = k.term AND d.comments <= 0;
  END IF;
END
$$;
REVOKE ALL ON FUNCTION hark_comment_terms_coarse_apply(jsonb, integer) FROM PUBLIC;

CREATE FUNCTION hark_comment_terms_coarse_changed() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  added jsonb;
  removed jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- The common case (every comment stored): upserts straight from the new rows, in key
    -- order, without the JSON round trip the other cases take.
    INSERT INTO comment_term_monthly AS d (client_id, month, location_id, term, label, comments, sentiment_milli_sum, rating_percent_sum)
    SELECT n.client_id, date_trunc('month', n.day::timestamp)::date, n.location_id, t.term, min(t.label), count(*), sum(n.sentiment_milli), sum(n.rating_percent)
    FROM new_rows n, unnest(n.terms, n.term_labels) AS t(term, label) GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (client_id, month, location_id, term) DO UPDATE SET
      comments = d.comments + excluded.comments,
      sentiment_milli_sum = d.sentiment_milli_sum + excluded.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum + excluded.rating_percent_sum,
      label = least(d.label, excluded.label);
    INSERT INTO comment_term_client_daily AS d (client_id, day, term, label, comments, sentiment_milli_sum, rating_percent_sum)
    SELECT n.client_id, n.day, t.term, min(t.label), count(*), sum(n.sentiment_milli), sum(n.rating_percent)
    FROM new_rows n, unnest(n.terms, n.term_labels) AS t(term, label) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (client_id, day, term) DO UPDATE SET
      comments = d.comments + excluded.comments,
      sentiment_milli_sum = d.sentiment_milli_sum + excluded.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum + excluded.rating_percent_sum,
      label = least(d.label, excluded.label);
    INSERT INTO comment_term_client_monthly AS d (client_id, month, term, label, comments, sentiment_milli_sum, rating_percent_sum)
    SELECT n.client_id, date_trunc('month', n.day::timestamp)::date, t.term, min(t.label), count(*), sum(n.sentiment_milli), sum(n.rating_percent)
    FROM new_rows n, unnest(n.terms, n.term_labels) AS t(term, label) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (client_id, month, term) DO UPDATE SET
      comments = d.comments + excluded.comments,
      sentiment_milli_sum = d.sentiment_milli_sum + excluded.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum + excluded.rating_percent_sum,
      label = least(d.label, excluded.label);
  ELSIF TG_OP = 'DELETE' THEN
    SELECT jsonb_agg(to_jsonb(k)) INTO removed FROM (
      SELECT o.client_id, o.day, o.location_id, t.term, min(t.label) AS label, count(*) AS comments, sum(o.sentiment_milli) AS sentiment_milli_sum, sum(o.rating_percent) AS rating_percent_sum
      FROM old_rows o, unnest(o.terms, o.term_labels) AS t(term, label) GROUP BY 1, 2, 3, 4) k;
    PERFORM hark_comment_terms_coarse_apply(removed, -1);
  ELSE
    -- Terms are not changed in place (a new analysis replaces the row); should they be, the
    -- old counts go and the new come.
    SELECT jsonb_agg(to_jsonb(k)) INTO removed FROM (
      SELECT o.client_id, o.day, o.location_id, t.term, min(t.label) AS label, count(*) AS comments, sum(o.sentiment_milli) AS sentiment_milli_sum, sum(o.rating_percent) AS rating_percent_sum
      FROM old_rows o JOIN new_rows n USING (client_id, feedback_id), unnest(o.terms, o.term_labels) AS t(term, label)
      WHERE (o.terms, o.term_labels, o.day, o.location_id, o.sentiment_milli, o.rating_percent) IS DISTINCT FROM (n.terms, n.term_labels, n.day, n.location_id, n.sentiment_milli, n.rating_percent)
      GROUP BY 1, 2, 3, 4) k;
    SELECT jsonb_agg(to_jsonb(k)) INTO added FROM (
      SELECT n.client_id, n.day, n.location_id, t.term, min(t.label) AS label, count(*) AS comments, sum(n.sentiment_milli) AS sentiment_milli_sum, sum(n.rating_percent) AS rating_percent_sum
      FROM old_rows o JOIN new_rows n USING (client_id, feedback_id), unnest(n.terms, n.term_labels) AS t(term, label)
      WHERE (o.terms, o.term_labels, o.day, o.location_id, o.sentiment_milli, o.rating_percent) IS DISTINCT FROM (n.terms, n.term_labels, n.day, n.location_id, n.sentiment_milli, n.rating_percent)
      GROUP BY 1, 2, 3, 4) k;
    PERFORM hark_comment_terms_coarse_apply(removed, -1);
    PERFORM hark_comment_terms_coarse_apply(added, 1);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER comment_analysis_after_insert_coarse AFTER INSERT ON comment_analysis
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hark_comment_terms_coarse_changed();
CREATE TRIGGER comment_analysis_after_update_coarse AFTER UPDATE ON comment_analysis
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hark_comment_terms_coarse_changed();
CREATE TRIGGER comment_analysis_after_delete_coarse AFTER DELETE ON comment_analysis
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hark_comment_terms_coarse_changed();

-- The summaries of the analyses stored before this migration.
INSERT INTO comment_term_monthly (client_id, month, location_id, term, label, comments, sentiment_milli_sum, rating_percent_sum)
SELECT client_id, date_trunc('month', day::timestamp)::date, location_id, term, min(label), sum(comments), sum(sentiment_milli_sum), sum(rating_percent_sum)
FROM comment_term_daily WHERE comments > 0 GROUP BY 1, 2, 3, 4;
INSERT INTO comment_term_client_daily (client_id, day, term, label, comments, sentiment_milli_sum, rating_percent_sum)
SELECT client_id, day, term, min(label), sum(comments), sum(sentiment_milli_sum), sum(rating_percent_sum)
FROM comment_term_daily WHERE comments > 0 GROUP BY 1, 2, 3;
INSERT INTO comment_term_client_monthly (client_id, month, term, label, comments, sentiment_milli_sum, rating_percent_sum)
SELECT client_id, date_trunc('month', day::timestamp)::date, term, min(label), sum(comments), sum(sentiment_milli_sum), sum(rating_percent_sum)
FROM comment_term_daily WHERE comments > 0 GROUP BY 1, 2, 3;
