-- A text conversation can be about one sub-measure (a staff member, a counter) of its
-- location, as a feedback page can: an invitation sent for that staff member, or a customer
-- texting the location's SMS code followed by the staff member's code ("HARBOUR ANNA"). The
-- feedback the conversation stores is then attributed to it.
ALTER TABLE sms_conversations ADD COLUMN sub_measure_id uuid;
ALTER TABLE sms_conversations ADD CONSTRAINT sms_conversations_sub_measure
  FOREIGN KEY (client_id, sub_measure_id) REFERENCES sub_measures (client_id, id);
