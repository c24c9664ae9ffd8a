-- feedback had two indexes on (client_id, location_id, submitted_at): 0001's ascending one and
-- 0003's (client_id, location_id, submitted_at DESC, id DESC) for the inbox. The second serves
-- every range read of the first (the rollup recompute, a day's comments) scanned either way,
-- so the first goes: one index fewer to write for every stored feedback.
DROP INDEX feedback_location_time;
