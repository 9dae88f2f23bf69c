-- Review policies per route: how many reviewers must approve, reminders, a deadline and what
-- happens when it passes. A route whose `approvals_required` is NULL follows the defaults
-- (APPROVALS_REQUIRED, REMIND_AFTER, MAX_REMINDERS, DEADLINE, ON_DEADLINE); a route with a policy
-- of its own has all five set (a NULL duration there means "none").
ALTER TABLE watches ADD COLUMN approvals_required INTEGER;
ALTER TABLE watches ADD COLUMN remind_after_ms INTEGER;
ALTER TABLE watches ADD COLUMN max_reminders INTEGER;
ALTER TABLE watches ADD COLUMN deadline_ms INTEGER;
ALTER TABLE watches ADD COLUMN on_deadline TEXT;

-- A policy change is recorded as a `watch` of the route: the policy it has from then on, in words.
ALTER TABLE route_audit ADD COLUMN policy TEXT;

-- The approvals counted towards a gate's quorum: one per reviewer and gate, so a second click of
-- the same reviewer counts nothing.
CREATE TABLE approval_votes (
    approval_id   INTEGER NOT NULL REFERENCES approvals (id),
    reviewer_id   INTEGER NOT NULL, -- Discord user id
    reviewer_name TEXT    NOT NULL,
    at            INTEGER NOT NULL, -- unix milliseconds
    PRIMARY KEY (approval_id, reviewer_id)
);

-- Reminders sent for a gate and when the last one went out, and when its deadline passed with
-- nothing decided: kept in the database so a restart sends what fell due once, not again.
ALTER TABLE approvals ADD COLUMN reminders_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE approvals ADD COLUMN last_reminded_at INTEGER;
ALTER TABLE approvals ADD COLUMN overdue_at INTEGER;
