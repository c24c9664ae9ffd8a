-- Comment analysis: the sentiment, themes and terms of every comment, and the summaries
-- the comments cloud and the dashboard's theme trends read instead of the comments.
--
--   comment_themes: a client's own themes, each with its keywords and the term keys
--   (stems, one or two words) they match.
--   comment_analysis: one row per feedback with a comment, written in the transaction that
--   stores the feedback (and by a backfill for older feedback).
--   comment_terms: (term, time, feedback) for "the comments using this term", by index.
--   comment_term_daily / comment_theme_daily: counts and score sums per client, day (the
--   client's calendar), location and term or theme.
--
-- The database keeps the last three in step with comment_analysis: its statement triggers
-- add a row's terms and themes when it is inserted, take them away when it is deleted
-- (with its feedback), and move its themes when they change (a re-tag after a theme
-- edit). Upserts go in key order, so concurrent transactions cannot deadlock on them.
-- Terms of an analysis are never changed in place: a new analysis replaces the row.

CREATE TABLE comment_themes (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
  keywords text[] NOT NULL CHECK (cardinality(keywords) BETWEEN 1 AND 30),
  term_keys text[] NOT NULL CHECK (cardinality(term_keys) BETWEEN 1 AND 30),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id)
);
CREATE UNIQUE INDEX comment_themes_name ON comment_themes (client_id, lower(name));

CREATE TABLE comment_analysis (
  client_id uuid NOT NULL,
  feedback_id uuid NOT NULL,
  location_id uuid NOT NULL,
  submitted_at timestamptz NOT NULL,
  day date NOT NULL,
  sentiment text NOT NULL CHECK (sentiment IN ('positive', 'neutral', 'negative')),
  -- The sentiment score from -1 to 1, in thousandths, so sums are exact.
  sentiment_milli smallint NOT NULL CHECK (sentiment_milli BETWEEN -1000 AND 1000),
  -- The feedback's score as a percentage of its scale (0 at the bottom, 100 at the top).
  rating_percent smallint NOT NULL CHECK (rating_percent BETWEEN 0 AND 100),
  theme_ids uuid[] NOT NULL DEFAULT '{}',
  terms text[] NOT NULL DEFAULT '{}',
  term_labels text[] NOT NULL DEFAULT '{}' CHECK (cardinality(term_labels) = cardinality(terms)),
  analysed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, feedback_id),
  FOREIGN KEY (client_id, feedback_id) REFERENCES feedback (client_id, id) ON DELETE CASCADE,
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id)
);
CREATE INDEX comment_analysis_sentiment ON comment_analysis (client_id, sentiment, submitted_at DESC);

CREATE TABLE comment_terms (
  client_id uuid NOT NULL,
  term text NOT NULL,
  submitted_at timestamptz NOT NULL,
  feedback_id uuid NOT NULL,
  location_id uuid NOT NULL,
  PRIMARY KEY (client_id, term, submitted_at, feedback_id),
  FOREIGN KEY (client_id, feedback_id) REFERENCES comment_analysis (client_id, feedback_id) ON DELETE CASCADE
);
CREATE INDEX comment_terms_feedback ON comment_terms (client_id, feedback_id);

CREATE TABLE comment_term_daily (
  client_id uuid NOT NULL,
  day date NOT NULL,
  location_id uuid NOT NULL,
  term text NOT NULL,
  label text NOT NULL,
  comments integer NOT NULL,
  sentiment_milli_sum bigint NOT NULL,
  rating_percent_sum bigint NOT NULL,
  PRIMARY KEY (client_id, day, location_id, term),
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id) ON DELETE CASCADE
);

CREATE TABLE comment_theme_daily (
  client_id uuid NOT NULL,
  theme_id uuid NOT NULL,
  day date NOT NULL,
  location_id uuid NOT NULL,
  comments integer NOT NULL,
  sentiment_milli_sum bigint NOT NULL,
  rating_percent_sum bigint NOT NULL,
  PRIMARY KEY (client_id, theme_id, day, location_id),
  FOREIGN KEY (client_id, theme_id) REFERENCES comment_themes (client_id, id) ON DELETE CASCADE,
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id) ON DELETE CASCADE
);
CREATE INDEX comment_theme_daily_day ON comment_theme_daily (client_id, day);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['comment_themes', 'comment_analysis', 'comment_terms', 'comment_term_daily', 'comment_theme_daily']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO hark_app USING (client_id = hark_current_client()) WITH CHECK (client_id = hark_current_client())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hark_app', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['comment_analysis', 'comment_terms', 'comment_term_daily', 'comment_theme_daily']
  LOOP
    EXECUTE format('CREATE POLICY location_scope ON %I AS RESTRICTIVE TO hark_app USING ((SELECT hark_location_scope()) IS NULL OR location_id = ANY ((SELECT hark_location_scope())::uuid[]))', t);
  END LOOP;
END
$$;

-- Adds (direction 1) or takes away (direction -1) the terms of the given analyses to the
-- summaries. Taking away only updates rows that exist: when a whole client or location is
-- deleted, its summary rows may already be gone.
CREATE FUNCTION hark_comment_terms_add(rows_json jsonb, direction integer) RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF direction > 0 THEN
    INSERT INTO comment_term_daily AS d (client_id, day, location_id, term, label, comments, sentiment_milli_sum, rating_percent_sum)
    SELECT r.client_id, r.day, r.location_id, t.term, min(t.label), count(*), sum(r.sentiment_milli), sum(r.rating_percent)
    FROM jsonb_to_recordset(rows_json) AS r(client_id uuid, day date, location_id uuid, sentiment_milli integer, rating_percent integer, terms text[], term_labels text[]),
      unnest(r.terms, r.term_labels) AS t(term, label)
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (client_id, day, location_id, term) DO UPDATE SET
      comments = d.comments + excluded.comments,
      sentiment_milli_sum = d.sentiment_milli_sum + excluded.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum + excluded.rating_percent_sum,
      label = least(d.label, excluded.label);
  ELSE
    UPDATE comment_term_daily d SET
      comments = d.comments - k.comments,
      sentiment_milli_sum = d.sentiment_milli_sum - k.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum - k.rating_percent_sum
    FROM (
      SELECT r.client_id, r.day, r.location_id, t.term, count(*) AS comments, sum(r.sentiment_milli) AS sentiment_milli_sum, sum(r.rating_percent) AS rating_percent_sum
      FROM jsonb_to_recordset(rows_json) AS r(client_id uuid, day date, location_id uuid, sentiment_milli integer, rating_percent integer, terms text[]),
        unnest(r.terms) AS t(term)
      GROUP BY 1, 2, 3, 4
    ) k
    WHERE d.client_id = k.client_id AND d.day = k.day AND d.location_id = k.location_id AND d.term = k.term;
  END IF;
END
$$;

CREATE FUNCTION hark_comment_themes_add(rows_json jsonb, direction integer) RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF direction > 0 THEN
    INSERT INTO comment_theme_daily AS d (client_id, theme_id, day, location_id, comments, sentiment_milli_sum, rating_percent_sum)
    SELECT r.client_id, t.theme_id, r.day, r.location_id, count(*), sum(r.sentiment_milli), sum(r.rating_percent)
    FROM jsonb_to_recordset(rows_json) AS r(client_id uuid, day date, location_id uuid, sentiment_milli integer, rating_percent integer, theme_ids uuid[]),
      unnest(r.theme_ids) AS t(theme_id)
    -- A theme deleted meanwhile has no summary to keep (its re-tag removes it from the analyses).
    WHERE EXISTS (SELECT 1 FROM comment_themes ct WHERE ct.client_id = r.client_id AND ct.id = t.theme_id)
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (client_id, theme_id, day, location_id) DO UPDATE SET
      comments = d.comments + excluded.comments,
      sentiment_milli_sum = d.sentiment_milli_sum + excluded.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum + excluded.rating_percent_sum;
  ELSE
    UPDATE comment_theme_daily d SET
      comments = d.comments - k.comments,
      sentiment_milli_sum = d.sentiment_milli_sum - k.sentiment_milli_sum,
      rating_percent_sum = d.rating_percent_sum - k.rating_percent_sum
    FROM (
      SELECT r.client_id, t.theme_id, r.day, r.location_id, count(*) AS comments, sum(r.sentiment_milli) AS sentiment_milli_sum, sum(r.rating_percent) AS rating_percent_sum
      FROM jsonb_to_recordset(rows_json) AS r(client_id uuid, day date, location_id uuid, sentiment_milli integer, rating_percent integer, theme_ids uuid[]),
        unnest(r.theme_ids) AS t(theme_id)
      GROUP BY 1, 2, 3, 4
    ) k
    WHERE d.client_id = k.client_id AND d.theme_id = k.theme_id AND d.day = k.day AND d.location_id = k.location_id;
  END IF;
END
$$;

CREATE FUNCTION hark_comment_analysis_changed() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  added jsonb;
  removed jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT jsonb_agg(to_jsonb(n)) INTO added FROM new_rows n;
    INSERT INTO comment_terms (client_id, term, submitted_at, feedback_id, location_id)
    SELECT n.client_id, t.term, n.submitted_at, n.feedback_id, n.location_id
    FROM new_rows n, unnest(n.terms) AS t(term)
    ORDER BY 1, 2, 3, 4
    ON CONFLICT DO NOTHING;
    PERFORM hark_comment_terms_add(added, 1);
    PERFORM hark_comment_themes_add(added, 1);
  ELSIF TG_OP = 'DELETE' THEN
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

CREATE TRIGGER comment_analysis_after_insert AFTER INSERT ON comment_analysis
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hark_comment_analysis_changed();
CREATE TRIGGER comment_analysis_after_update AFTER UPDATE ON comment_analysis
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hark_comment_analysis_changed();
CREATE TRIGGER comment_analysis_after_delete AFTER DELETE ON comment_analysis
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hark_comment_analysis_changed();

-- An analysis describes the comment it was made from: when a comment is changed or
-- cleared (retention anonymising it, a correction), its terms must not outlive it. The
-- analysis goes; a backfill analyses a changed, non-empty comment again.
CREATE FUNCTION hark_feedback_comment_changed() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  DELETE FROM comment_analysis WHERE client_id = NEW.client_id AND feedback_id = NEW.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER feedback_comment_changed AFTER UPDATE OF comment ON feedback
  FOR EACH ROW WHEN (OLD.comment IS DISTINCT FROM NEW.comment) EXECUTE FUNCTION hark_feedback_comment_changed();

-- The default themes for the clients of today (new clients get them from createClient).
-- Term keys are the keywords' Porter stems, as src/comments/terms.ts makes them.
INSERT INTO comment_themes (client_id, name, keywords, term_keys)
SELECT c.id, d.name, d.keywords, d.term_keys
FROM clients c CROSS JOIN (VALUES
  ('Wait time', ARRAY['wait', 'queue', 'slow', 'delay', 'forever', 'ages', 'quick', 'fast', 'wait time', 'long wait'], ARRAY['wait', 'queue', 'slow', 'delai', 'forev', 'ag', 'quick', 'fast', 'wait time', 'long wait']),
  ('Staff', ARRAY['staff', 'service', 'friendly', 'rude', 'helpful', 'team', 'barista', 'receptionist', 'manager', 'attitude', 'polite'], ARRAY['staff', 'servic', 'friendli', 'rude', 'help', 'team', 'barista', 'receptionist', 'manag', 'attitud', 'polit']),
  ('Price', ARRAY['price', 'expensive', 'cheap', 'value', 'overpriced', 'cost', 'pricey', 'charged', 'overcharged', 'fee', 'bill'], ARRAY['price', 'expens', 'cheap', 'valu', 'overpr', 'cost', 'pricei', 'charg', 'overcharg', 'fee', 'bill']),
  ('Cleanliness', ARRAY['clean', 'dirty', 'messy', 'tidy', 'hygiene', 'toilet', 'bathroom', 'sticky', 'smell', 'filthy', 'spotless'], ARRAY['clean', 'dirti', 'messi', 'tidi', 'hygien', 'toilet', 'bathroom', 'sticki', 'smell', 'filthi', 'spotless']),
  ('Product quality', ARRAY['quality', 'food', 'coffee', 'taste', 'fresh', 'stale', 'cold', 'product', 'broken', 'delicious', 'repair'], ARRAY['qualiti', 'food', 'coffe', 'tast', 'fresh', 'stale', 'cold', 'product', 'broken', 'delici', 'repair'])
) AS d(name, keywords, term_keys);
