-- Webhooks, continued: three more events (feedback.updated, response.sent, optout.created);
-- endpoints an admin allows to carry customers' contact details; and a log of every
-- delivery attempt.

ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_events_check;
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_events_check
  CHECK (cardinality(events) >= 1 AND events <@ '{feedback.created,feedback.updated,case.opened,case.resolved,response.sent,optout.created}');

-- Off unless ticked by someone who may see contact details. Then feedback and opt-out events
-- to this endpoint carry the customer's name, email and mobile, read and decrypted as each
-- attempt is sent: the outbox never holds a copy.
ALTER TABLE webhook_endpoints ADD COLUMN include_contact boolean NOT NULL DEFAULT false;

-- Whose contact details a delivery to such an endpoint carries: the end customer of a
-- feedback event, or the number (its blind index) of an opt-out. A customer erased since is
-- sent as no contact.
ALTER TABLE webhook_deliveries
  ADD COLUMN end_customer_id uuid,
  ADD COLUMN mobile_index bytea,
  ADD FOREIGN KEY (client_id, end_customer_id) REFERENCES end_customers (client_id, id) ON DELETE SET NULL (end_customer_id);
-- So that erasing customers finds their deliveries by index.
CREATE INDEX webhook_deliveries_end_customer ON webhook_deliveries (client_id, end_customer_id) WHERE end_customer_id IS NOT NULL;

-- One row per attempt of a delivery (replays included), kept 30 days.
CREATE TABLE webhook_delivery_attempts (
  client_id uuid NOT NULL,
  delivery_id uuid NOT NULL,
  -- The delivery's attempt count when this attempt was claimed: 1, 2, …
  attempt integer NOT NULL CHECK (attempt >= 1),
  started_at timestamptz NOT NULL,
  duration_ms integer NOT NULL CHECK (duration_ms >= 0),
  -- 'delivered' (a 2xx answer), 'http_status' (another answer), or why no answer came.
  outcome text NOT NULL CHECK (outcome IN ('delivered', 'http_status', 'timeout', 'connection_refused', 'connection_reset', 'dns', 'tls', 'blocked', 'other')),
  status_code smallint,
  error text CHECK (length(error) <= 500),
  -- The start of the receiver's answer, for the admin looking into a failure.
  response_excerpt text CHECK (length(response_excerpt) <= 1024),
  PRIMARY KEY (client_id, delivery_id, attempt),
  FOREIGN KEY (client_id, delivery_id) REFERENCES webhook_deliveries (client_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_delivery_attempts_started ON webhook_delivery_attempts (started_at);
-- Finished deliveries are pruned by age too (their payloads hold comments).
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at) WHERE status IN ('succeeded', 'failed');

ALTER TABLE webhook_delivery_attempts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_delivery_attempts TO hark_app USING (client_id = hark_current_client()) WITH CHECK (client_id = hark_current_client());
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_delivery_attempts TO hark_app;
