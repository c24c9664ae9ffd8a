-- Two-way SMS: each client's number and contact rules, the people who text it (opt-out and
-- quarantine), conversations that turn texts into feedback, and every message in or out.
--
-- Numbers and message bodies are personal data: they are stored encrypted under the
-- client's data key, and found by blind index (keyed HMAC of the E.164 number), like the
-- contact details of end_customers.

ALTER TABLE clients
  -- The number customers text; inbound messages find their client by it.
  ADD COLUMN sms_number text UNIQUE CHECK (sms_number ~ '^\+[1-9][0-9]{6,14}$'),
  -- A number is sent at most one invitation in this many days.
  ADD COLUMN sms_quarantine_days integer NOT NULL DEFAULT 30 CHECK (sms_quarantine_days BETWEEN 0 AND 365),
  -- Invitations and staff replies wait out these hours of the client's own clock.
  ADD COLUMN sms_quiet_start text NOT NULL DEFAULT '21:00' CHECK (sms_quiet_start ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  ADD COLUMN sms_quiet_end text NOT NULL DEFAULT '09:00' CHECK (sms_quiet_end ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  -- A conversation left unanswered this long is closed, keeping what was given.
  ADD COLUMN sms_conversation_minutes integer NOT NULL DEFAULT 60 CHECK (sms_conversation_minutes BETWEEN 5 AND 10080);

-- One row per number that has texted or been texted by a client.
CREATE TABLE sms_recipients (
  client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  mobile_index bytea NOT NULL,
  mobile_enc bytea NOT NULL,
  opted_out_at timestamptz,
  last_invited_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, mobile_index)
);

CREATE TABLE sms_conversations (
  client_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  mobile_index bytea NOT NULL,
  location_id uuid NOT NULL,
  programme_id uuid NOT NULL,
  origin text NOT NULL CHECK (origin IN ('sms_code', 'receipt_code', 'invitation')),
  receipt_code text,
  -- What Hark asked last and waits for.
  step text NOT NULL CHECK (step IN ('score', 'comment', 'prize_draw', 'name', 'email', 'done')),
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'completed', 'expired', 'replaced')),
  score smallint,
  comment text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
  prize_draw boolean,
  name_enc bytea,
  email_enc bytea,
  feedback_id uuid,
  started_at timestamptz NOT NULL DEFAULT now(),
  last_message_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  closed_at timestamptz,
  PRIMARY KEY (client_id, id),
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id),
  FOREIGN KEY (client_id, programme_id) REFERENCES programmes (client_id, id),
  FOREIGN KEY (client_id, feedback_id) REFERENCES feedback (client_id, id) ON DELETE SET NULL (feedback_id),
  FOREIGN KEY (client_id, receipt_code) REFERENCES receipt_codes (client_id, code)
);
-- A number has at most one open conversation with a client.
CREATE UNIQUE INDEX sms_conversations_open ON sms_conversations (client_id, mobile_index) WHERE state = 'open';
CREATE INDEX sms_conversations_feedback ON sms_conversations (client_id, feedback_id) WHERE feedback_id IS NOT NULL;

CREATE TABLE sms_messages (
  client_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  -- Why it was sent (outbound) or what it turned out to be (inbound).
  kind text NOT NULL CHECK (kind IN ('conversation', 'invitation', 'reply', 'opt_out', 'opt_in', 'help', 'unrecognised', 'alert', 'follow_up')),
  mobile_index bytea NOT NULL,
  mobile_enc bytea NOT NULL,
  body_enc bytea NOT NULL,
  encoding text CHECK (encoding IN ('GSM-7', 'UCS-2')),
  segments integer NOT NULL DEFAULT 1 CHECK (segments >= 1),
  -- An answer to "your name?" or "your email?": shown only to staff who may see contact details.
  holds_contact boolean NOT NULL DEFAULT false,
  location_id uuid,
  conversation_id uuid,
  feedback_id uuid,
  response_id uuid,
  provider text NOT NULL CHECK (provider IN ('dev', 'twilio')),
  provider_message_id text,
  status text NOT NULL CHECK (status IN ('received', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'blocked')),
  error_code text,
  error text,
  send_after timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  -- While an attempt is with the provider: another worker holding a repeat of the job waits.
  sending_until timestamptz,
  -- The moment of writing, not of the transaction: a text and Hark's answer to it, written
  -- in one transaction, keep their order in the thread.
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  sent_at timestamptz,
  status_at timestamptz,
  PRIMARY KEY (client_id, id),
  FOREIGN KEY (client_id, location_id) REFERENCES locations (client_id, id),
  FOREIGN KEY (client_id, conversation_id) REFERENCES sms_conversations (client_id, id) ON DELETE SET NULL (conversation_id),
  FOREIGN KEY (client_id, feedback_id) REFERENCES feedback (client_id, id) ON DELETE SET NULL (feedback_id),
  FOREIGN KEY (client_id, response_id) REFERENCES responses (client_id, id) ON DELETE SET NULL (response_id)
);
-- A provider's message id is processed once, whichever client it belongs to: a webhook
-- delivered twice finds the first row.
CREATE UNIQUE INDEX sms_messages_provider_id ON sms_messages (provider, provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE INDEX sms_messages_conversation ON sms_messages (client_id, conversation_id, created_at) WHERE conversation_id IS NOT NULL;
CREATE INDEX sms_messages_feedback ON sms_messages (client_id, feedback_id, created_at) WHERE feedback_id IS NOT NULL;
CREATE INDEX sms_messages_mobile ON sms_messages (client_id, mobile_index, created_at);
CREATE INDEX sms_messages_client_time ON sms_messages (client_id, created_at);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['sms_recipients', 'sms_conversations', 'sms_messages']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO hark_app USING (client_id = hark_current_client()) WITH CHECK (client_id = hark_current_client())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO hark_app', t);
  END LOOP;
  -- Messages with no location (STOP, HELP, an unknown code) are for unscoped staff only.
  FOREACH t IN ARRAY ARRAY['sms_conversations', 'sms_messages']
  LOOP
    EXECUTE format('CREATE POLICY location_scope ON %I AS RESTRICTIVE TO hark_app USING ((SELECT hark_location_scope()) IS NULL OR location_id = ANY ((SELECT hark_location_scope())::uuid[]))', t);
  END LOOP;
END
$$;
