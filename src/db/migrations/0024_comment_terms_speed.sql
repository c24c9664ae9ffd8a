-- Cheaper comment analyses. Measured under bench:ingest, writing an analysis cost more of the
-- database's time than storing its feedback, most of it in comment_terms (five or six rows a
-- comment):
--
--   * Its foreign key to comment_analysis checked every term row with a query of its own, and
--     its index by feedback served only that key's cascade. The terms of an analysis are now
--     deleted by the analysis's own delete trigger, through the primary key (the deleted rows
--     carry their terms and time), and the key and the index go.
--   * The insert trigger handed the new analyses to the summary functions as JSON (one object
--     per row, read back with jsonb_to_recordset). It now upserts the daily term and theme
--     summaries straight from the transition table, as migration 0022's coarser summaries do.
--     The delete and update branches are unchanged.

ALTER TABLE comment_terms DROP CONSTRAINT comment_terms_client_id_feedback_id_fkey;
DROP INDEX comment_terms_feedback;

CREATE OR REPLACE FUNCTION hark_comment_analysis_changed() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  added jsonb;
  removed jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO comment_terms (client_id, term, submitted_at, feedback_id, location_id)
    SELECT n.client_id, t.term, n.submitted_at, n.feedback_id, n.location_id
    FROM new_rows n, unnest(n.terms) AS t(term)
    ORDER BY 1, 2, 3, 4
    ON CONFLICT DO NOTHING;
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
