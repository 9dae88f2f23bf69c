-- When the claim's PUT was recorded as sent, on the shared clock (unix milliseconds): a claim
-- taken over is sent again only a request timeout after this, so a PUT still in flight lands
-- first, whichever replica recorded it. A claim recorded as sent before this column existed
-- counts from its claim.
ALTER TABLE approvals ADD COLUMN decision_sent_at INTEGER;
UPDATE approvals SET decision_sent_at = decided_at WHERE state = 'deciding' AND decision_sent = 1;
