-- Review rules. A reviewer's note with an approval: under a quorum it is kept with the vote
-- (the card's tally shows it); the approval that decides carries it as the claim's reason.
ALTER TABLE approval_votes ADD COLUMN note TEXT;
-- Sign-off from each of several groups: a route's policy may name roles (Discord role ids,
-- separated by commas) of which each must approve; NULL for none.
ALTER TABLE watches ADD COLUMN each_of TEXT;
-- Escalation: a route's policy may name a role (Discord role id) that an undecided gate pings
-- once, after the last reminder or a set time; each gate records when it escalated.
ALTER TABLE watches ADD COLUMN escalate_to INTEGER;
ALTER TABLE watches ADD COLUMN escalate_after_ms INTEGER;
ALTER TABLE approvals ADD COLUMN escalated_at INTEGER;
