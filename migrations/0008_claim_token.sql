-- The token of the claim a decision runs under. Every write that finishes or gives back a claim
-- is guarded by it, so a claim taken over (after a stop, or because no decision holds it any
-- more) can never be finished by the decision it was taken from as well.
ALTER TABLE approvals ADD COLUMN claim_token TEXT;
-- Whether the claim's PUT was (or was about to be) sent: a claim taken over with its PUT sent may
-- have that PUT still in flight at Scenario, so it is sent again only once that cannot be.
ALTER TABLE approvals ADD COLUMN decision_sent INTEGER NOT NULL DEFAULT 0;
