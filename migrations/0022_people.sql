-- People: admins link the Scenario user who starts runs to a Discord member, so a card says who
-- asked and a route may refuse that member the approval of their own run. One link per Scenario
-- user; a member may stand for several Scenario users.
CREATE TABLE people (
    scenario_user_id TEXT    PRIMARY KEY,
    member_id        INTEGER NOT NULL, -- Discord user id
    linked_by        INTEGER NOT NULL, -- Discord user id of the admin
    linked_by_name   TEXT    NOT NULL,
    linked_at        INTEGER NOT NULL  -- unix milliseconds, shared clock
);

-- Append-only record of every link and unlink, as route_audit is for routes.
CREATE TABLE people_audit (
    id               INTEGER PRIMARY KEY,
    at               INTEGER NOT NULL, -- unix milliseconds
    actor_id         INTEGER NOT NULL, -- Discord user id
    actor_name       TEXT    NOT NULL,
    action           TEXT    NOT NULL CHECK (action IN ('link', 'unlink')),
    scenario_user_id TEXT    NOT NULL,
    member_id        INTEGER           -- the member linked, or the one unlinked
);

CREATE TRIGGER people_audit_rows_are_never_updated BEFORE UPDATE ON people_audit
BEGIN
    SELECT RAISE(ABORT, 'the people_audit table is append-only');
END;

CREATE TRIGGER people_audit_rows_are_never_deleted BEFORE DELETE ON people_audit
BEGIN
    SELECT RAISE(ABORT, 'the people_audit table is append-only');
END;

-- A route's own rule on self-approval: 'allowed' or 'refused'; NULL: the default
-- (SELF_APPROVAL).
ALTER TABLE watches ADD COLUMN self_approval TEXT CHECK (self_approval IN ('allowed', 'refused'));
