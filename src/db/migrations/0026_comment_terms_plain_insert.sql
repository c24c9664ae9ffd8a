-- Comment terms written with a plain insert. Under bench:ingest the terms' insert was the
-- largest single statement of the database's work (about five terms a comment), and its
-- ON CONFLICT DO NOTHING made every row a speculative insertion: 140,000 rows took 500 ms
-- against 280 ms for a plain insert. A new analysis's terms cannot be there already (an
-- analysis is inserted once, its terms are distinct, and its delete trigger removes them), so
-- the plain insert goes first, and only if some row did outlive its analysis does the old
-- insert run instead (the block's savepoint costs one per statement, not per row).
-- The function is restated whole (CREATE OR REPLACE); only the terms' insert changed.

CREATE OR REPLACE FUNCTION hark_comment_analysis_changed() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  added jsonb;
  removed jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN
    BEGIN
      INSERT INTO comment_terms (client_id, term, submitted_at, feedback_id, location_id)
      SELECT n.client_id, t.term, n.submitted_at, n.feedback_id, n.location_id
      FROM new_rows n, unnest(n.terms) AS t(term)
      ORDER BY 1, 2, 3, 4;
    EXCEPTION WHEN unique_violation THEN
      -- A term row outlived its analysis (none should): keep it rather than fail the job.
      INSERT INTO comment_terms (client_id, term, submitted_at, feedback_id, location_id)
      SELECT n.client_id, t.term, n.submitted_at, n.feedback_id, n.location_id
      FROM new_rows n, unnest(n.terms) AS t(term)
      ORDER BY 1, 2, 3, 4
      ON CONFLICT DO NOTHING;
    END;
    INSERT INTO comment_term_daily AS d (client_id, day, location_id, term, label, comments, sentiment_milli_sum, rating_percent_sum)
    SELECT n.client_id, n.day, n.location_id, t.term, min(t.label), count(*), sum(n.sentiment_milli), sum(n.rating_percent)
    FROM new_rows n, unnest(n.terms, n.term_labels) AS t(term, label)
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (client_id, day, location_id, term) DO UPDATE SET
      comments = d.comments + excluded.comments,
      sentiment_milli_sum = d.sentiment_milli_sum + excluded.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum + excluded.rating_percent_sum,
      label = least(d.label, excluded.label);
    INSERT INTO comment_theme_daily AS d (client_id, theme_id, day, location_id, comments, sentiment_milli_sum, rating_percent_sum)
    SELECT n.client_id, t.theme_id, n.day, n.location_id, count(*), sum(n.sentiment_milli), sum(n.rating_percent)
    FROM new_rows n, unnest(n.theme_ids) AS t(theme_id)
    -- A theme deleted meanwhile has no summary to keep (its re-tag removes it from the analyses).
    WHERE EXISTS (SELECT 1 FROM comment_themes ct WHERE ct.client_id = n.client_id AND ct.id = t.theme_id)
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (client_id, theme_id, day, location_id) DO UPDATE SET
      comments = d.comments + excluded.comments,
      sentiment_milli_sum = d.sentiment_milli_sum + excluded.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum + excluded.rating_percent_sum;
  ELSIF TG_OP = 'DELETE' THEN
    DELETE FROM comment_terms t USING old_rows o, unnest(o.terms) AS u(term)
    WHERE t.client_id = o.client_id AND t.term = u.term AND t.submitted_at = o.submitted_at AND t.feedback_id = o.feedback_id;
    SELECT jsonb_agg(to_jsonb(o)) INTO removed FROM old_rows o;
    PERFORM hark_comment_terms_add(removed, -1);
    PERFORM hark_comment_themes_add(removed, -1);
    DELETE FROM comment_term_daily d USING (SELECT DISTINCT client_id, day, location_id FROM old_rows) o
    WHERE d.client_id = o.client_id AND d.day = o.day AND d.location_id = o.location_id AND d.comments <= 0;
    DELETE FROM comment_theme_daily d USING (SELECT DISTINCT client_id, day, location_id FROM old_rows) o
    WHERE d.client_id = o.client_id AND d.day = o.day AND d.location_id = o.location_id AND d.comments <= 0;
  ELSE
    -- Only the themes move: a re-tag changes theme_ids and nothing else.
    SELECT jsonb_agg(to_jsonb(o)) INTO removed FROM old_rows o JOIN new_rows n USING (client_id, feedback_id) WHERE o.theme_ids IS DISTINCT FROM n.theme_ids;
    SELECT jsonb_agg(to_jsonb(n)) INTO added FROM old_rows o JOIN new_rows n USING (client_id, feedback_id) WHERE o.theme_ids IS DISTINCT FROM n.theme_ids;
    IF removed IS NOT NULL THEN
      PERFORM hark_comment_themes_add(removed, -1);
      PERFORM hark_comment_themes_add(added, 1);
      DELETE FROM comment_theme_daily d USING (SELECT DISTINCT client_id, day, location_id FROM old_rows) o
      WHERE d.client_id = o.client_id AND d.day = o.day AND d.location_id = o.location_id AND d.comments <= 0;
    END IF;
  END IF;
  RETURN NULL;
END
$$;
