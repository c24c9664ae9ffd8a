-- The feedback detail shows a feedback's history from the audit log (status and category
-- changes); this index finds one subject's entries without reading the client's chain.
CREATE INDEX audit_log_subject ON audit_log (chain_id, subject_kind, subject_id) WHERE subject_id IS NOT NULL;
-- Inbox filters that narrow by status or a location keep the newest-first order.
CREATE INDEX feedback_status_time ON feedback (client_id, status, submitted_at DESC, id DESC);
CREATE INDEX feedback_location_recent ON feedback (client_id, location_id, submitted_at DESC, id DESC);
