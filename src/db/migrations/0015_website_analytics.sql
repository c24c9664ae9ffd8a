-- Website analytics of the operator's own marketing site (/, /pricing, /contact, /privacy).
--
-- Operator-only tables: no client_id, nothing granted to hark_app (the tenant role), and
-- row-level security on with no policy, so a tenant transaction can read none of it even if
-- a grant appeared by mistake. No client-facing route, export or third-party release reads
-- them; only src/analytics does. Kept indefinitely, as the privacy policy says; what is
-- personal is reduced instead: visitor hashes are keyed by a salt of the day that is deleted
-- once the day is over, and the full IP is truncated (/24, /48) after a few days.

-- One random salt per UTC day. Deleting yesterday's salt means a stored hash can no longer
-- be recomputed from an IP and user agent.
CREATE TABLE analytics_salts (
  day date PRIMARY KEY,
  salt bytea NOT NULL CHECK (length(salt) = 32),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Raw hits, insert-only (apart from the IP truncation). The dashboard never scans them.
CREATE TABLE analytics_hits (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now(),
  day date NOT NULL,
  kind text NOT NULL CHECK (kind IN ('view', 'leave')),
  visitor_hash bytea NOT NULL CHECK (length(visitor_hash) = 32),
  path text NOT NULL CHECK (left(path, 1) = '/' AND length(path) <= 512),
  referrer_host text CHECK (length(referrer_host) <= 253),
  utm_source text CHECK (length(utm_source) <= 100),
  utm_medium text CHECK (length(utm_medium) <= 100),
  utm_campaign text CHECK (length(utm_campaign) <= 100),
  screen_width integer CHECK (screen_width BETWEEN 1 AND 10000),
  screen_height integer CHECK (screen_height BETWEEN 1 AND 10000),
  browser text NOT NULL,
  os text NOT NULL,
  device text NOT NULL,
  duration_ms integer CHECK (duration_ms BETWEEN 0 AND 86400000),
  ip inet NOT NULL,
  ip_truncated boolean NOT NULL DEFAULT false,
  CHECK ((kind = 'leave') = (duration_ms IS NOT NULL))
);
-- What the truncation job looks for: hits whose full IP is still kept, oldest first.
CREATE INDEX analytics_hits_full_ip ON analytics_hits (received_at) WHERE NOT ip_truncated;

-- Who was counted on a day (a hash seen once per day), so visitors are counted once.
CREATE TABLE analytics_daily_visitors (
  day date NOT NULL,
  visitor_hash bytea NOT NULL,
  PRIMARY KEY (day, visitor_hash)
);

-- Daily summary rows, rolled up as hits are stored: what the dashboard reads.
-- dimension 'total' has value ''; 'page' a path; 'source' a utm_source, referrer host or
-- '(direct)'; 'device', 'browser', 'os' the parsed user agent.
CREATE TABLE analytics_daily_counts (
  day date NOT NULL,
  dimension text NOT NULL CHECK (dimension IN ('total', 'page', 'source', 'device', 'browser', 'os')),
  value text NOT NULL,
  visitors integer NOT NULL DEFAULT 0,
  views integer NOT NULL DEFAULT 0,
  leaves integer NOT NULL DEFAULT 0,
  duration_ms bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (day, dimension, value)
);

-- Beacons refused or dropped, by reason and day; nothing else of them is stored.
CREATE TABLE analytics_daily_drops (
  day date NOT NULL,
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 40),
  dropped integer NOT NULL DEFAULT 0,
  PRIMARY KEY (day, reason)
);

ALTER TABLE analytics_salts ENABLE ROW LEVEL SECURITY;
ALTER TABLE analytics_hits ENABLE ROW LEVEL SECURITY;
ALTER TABLE analytics_daily_visitors ENABLE ROW LEVEL SECURITY;
ALTER TABLE analytics_daily_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE analytics_daily_drops ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON analytics_salts, analytics_hits, analytics_daily_visitors, analytics_daily_counts, analytics_daily_drops FROM PUBLIC, hark_app;
