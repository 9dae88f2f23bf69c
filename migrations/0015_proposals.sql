-- Two-key picking: under a quorum, a selection gate's confirmations are votes for the picks they
-- confirm (the proposal: zero-based candidate indices as a JSON array, in pick order; NULL for
-- approval gates). Confirming other picks drops the votes for the earlier proposal, so the votes
-- of a gate always stand for one proposal.
ALTER TABLE approval_votes ADD COLUMN picks TEXT;
