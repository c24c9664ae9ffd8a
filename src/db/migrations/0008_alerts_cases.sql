-- Alerts and cases: rules that tell staff about feedback needing them, the alerts those
-- rules produce (an outbox that worker processes claim, so each is sent once), and cases
-- that follow a complaint until it is resolved.

-- The business's working week, on its own clock: case due times count only these hours,
-- and alert rules may hold alerts back until they begin.
ALTER TABLE clients
  ADD COLUMN business_hours_start text NOT NULL DEFAULT '09:00' CHECK (business_hours_start ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  ADD COLUMN business_hours_end text NOT NULL DEFAULT '17:00' CHECK (business_hours_end ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  -- ISO weekdays: 1 Monday … 7 Sunday.
  ADD COLUMN business_days smallint[] NOT NULL DEFAULT '{1,2,3,4,5}' CHECK (cardinality(business_days) BETWEEN 1 AND 7 AND business_days <@ '{1,2,3,4,5,6,7}'),
  -- The service level: a case is due this many business hours after it opens.
  ADD COLUMN case_due_hours integer NOT NULL DEFAULT 16 CHECK (case_due_hours BETWEEN 1 AND 2000),
  ADD CHECK (business_hours_start < business_hours_end);

CREATE TABLE alert_rules (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  enabled boolean NOT NULL DEFAULT true,
  -- Which feedback: any or all of the conditions set below.
  match text NOT NULL DEFAULT 'any' CHECK (match IN ('any', 'all')),
  low_band boolean NOT NULL DEFAULT false,         -- the programme scale's bottom band
  score_at_most smallint CHECK (score_at_most BETWEEN 0 AND 10),
  complaint boolean NOT NULL DEFAULT false,        -- category complaint
  contact_requested boolean NOT NULL DEFAULT false,
  keywords text[] NOT NULL DEFAULT '{}',           -- lower-case words or phrases in the comment
  -- Where: NULL for every location, else these and every location below them.
  location_ids uuid[],
  -- Who: members with these roles whose location scope covers the feedback, and addresses.
  recipient_roles text[] NOT NULL DEFAULT '{}' CHECK (recipient_roles <@ '{owner,admin,manager,viewer}'),
  extra_emails text[] NOT NULL DEFAULT '{}',
  extra_mobiles text[] NOT NULL DEFAULT '{}',
  channels text[] NOT NULL DEFAULT '{email}' CHECK (cardinality(channels) >= 1 AND channels <@ '{email,sms}'),
  -- When: at once, or gathered into one message a day at this hour of the business's clock.
  delivery text NOT NULL DEFAULT 'immediate' CHECK (delivery IN ('immediate', 'daily_digest')),
  digest_hour smallint NOT NULL DEFAULT 8 CHECK (digest_hour BETWEEN 0 AND 23),
  defer_weekends boolean NOT NULL DEFAULT false,      -- hold until a business day
  defer_outside_hours boolean NOT NULL DEFAULT false, -- hold until business hours
  -- And a case, assigned to this person (or left for the team to take).
  opens_case boolean NOT NULL DEFAULT false,
  case_assignee_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id),
  CHECK (low_band OR score_at_most IS NOT NULL OR complaint OR contact_requested OR cardinality(keywords) > 0)
);

CREATE TABLE cases (
  client_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  feedback_id uuid NOT NULL,
  location_id uuid NOT NULL,
  status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'resolved')),
  reason text NOT NULL CHECK (reason IN ('low_score', 'complaint', 'contact_requested', 'keywords', 'manual')),
  rule_id uuid,
  assignee_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  opened_at timestamptz NOT NULL DEFAULT now(),
  due_at timestamptz NOT NULL,
  -- 0: with the assignee and location; 1: overdue, the admins told; 2: long overdue, the owners told.
  escalation_level smallint NOT NULL DEFAULT 0 CHECK (escalation_level BETWEEN 0 AND 2),
  escalated_at timestamptz,
  first_response_at timestamptz,
  resolved_at timestamptz,
  resolved_by uuid REFERENCES users (id) ON DELETE SET NULL,
  resolution_code text CHECK (resolution_code IN ('fixed', 'apologised', 'refunded', 'explained', 'no_action_needed', 'could_not_contact', 'other')),
  resolution_note text CHECK (length(resolution_note) <= 2000),
  -- "Did we fix it?": asked once on resolving, answered yes or no.
  follow_up_channel text CHECK (follow_up_channel IN ('email', 'sms')),
  follow_up_sent_at timestamptz,
  follow_up_answer text CHECK (follow_up_answer IN ('yes', 'no')),
  follow_up_answered_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id),
  UNIQUE (client_id, feedback_id),
  FOREIGN KEY (client_id, feedback_id) REFERENCES feedback (client_id, id) ON DELETE CASCADE,
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id),
  FOREIGN KEY (client_id, rule_id) REFERENCES alert_rules (client_id, id) ON DELETE SET NULL (rule_id),
  CHECK ((status = 'resolved') = (resolved_at IS NOT NULL)),
  CHECK (status <> 'resolved' OR resolution_code IS NOT NULL)
);
CREATE INDEX cases_open ON cases (client_id, due_at) WHERE status <> 'resolved';
CREATE INDEX cases_assignee ON cases (client_id, assignee_user_id, status);
CREATE INDEX cases_overdue ON cases (due_at) WHERE status <> 'resolved' AND escalation_level < 2;

-- The outbox of alerts: one row per message to one recipient by one channel. Worker
-- processes claim due rows with FOR UPDATE SKIP LOCKED and a lease, so two workers never
-- take the same row, and a row whose worker died is taken again once its lease runs out.
CREATE TABLE alerts (
  client_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('feedback', 'case_overdue')),
  -- What makes it unique: a rule's alert about a feedback to a recipient by a channel, or a
  -- case's escalation to a level, to a recipient.
  dedupe_key text NOT NULL,
  rule_id uuid,
  feedback_id uuid NOT NULL,
  case_id uuid,
  location_id uuid NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email', 'sms')),
  recipient_user_id uuid REFERENCES users (id) ON DELETE CASCADE,
  recipient_address text,
  digest boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  send_after timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  sent_at timestamptz,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, id),
  UNIQUE (client_id, dedupe_key),
  FOREIGN KEY (client_id, rule_id) REFERENCES alert_rules (client_id, id) ON DELETE CASCADE,
  FOREIGN KEY (client_id, feedback_id) REFERENCES feedback (client_id, id) ON DELETE CASCADE,
  FOREIGN KEY (client_id, case_id) REFERENCES cases (client_id, id) ON DELETE CASCADE,
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id),
  CHECK ((recipient_user_id IS NULL) <> (recipient_address IS NULL))
);
CREATE INDEX alerts_due ON alerts (send_after) WHERE status IN ('pending', 'sending');
CREATE INDEX alerts_feedback ON alerts (client_id, feedback_id);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['alert_rules', 'cases', 'alerts']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO hark_app USING (client_id = hark_current_client()) WITH CHECK (client_id = hark_current_client())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hark_app', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['cases', 'alerts']
  LOOP
    EXECUTE format('CREATE POLICY location_scope ON %I AS RESTRICTIVE TO hark_app USING ((SELECT hark_location_scope()) IS NULL OR location_id = ANY ((SELECT hark_location_scope())::uuid[]))', t);
  END LOOP;
END
$$;

-- A staff member's own mobile, for alerts by text (set in their account).
ALTER TABLE users ADD COLUMN mobile text CHECK (mobile ~ '^\+[1-9][0-9]{6,14}$');

-- Which of these people, members of the current client, have a mobile: an alert rule's
-- texts go to them. The application role may not read accounts; this answers only that.
CREATE FUNCTION hark_members_with_mobile(p_users uuid[]) RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT u.id FROM users u
    JOIN memberships m ON m.user_id = u.id AND m.client_id = hark_current_client()
    WHERE u.id = ANY (p_users) AND u.mobile IS NOT NULL AND u.disabled_at IS NULL
  $$;
REVOKE ALL ON FUNCTION hark_members_with_mobile(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hark_members_with_mobile(uuid[]) TO hark_app;

-- Every client has the default rule: a score in the bottom band tells the location's
-- managers at once, by email, and opens a case. New clients get it from createClient.
INSERT INTO alert_rules (client_id, name, low_band, recipient_roles, channels, opens_case)
SELECT id, 'Unhappy customer', true, '{manager}', '{email}', true FROM clients;
