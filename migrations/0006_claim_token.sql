-- The token of the claim a decision runs under. Every write that finishes or gives back a claim
-- is guarded by it, so a claim taken over (after a stop, or because no decision holds it any
-- more) can never be finished by the decision it was taken from as well.
ALTER TABLE approvals ADD COLUMN claim_token TEXT;
