-- Append-only record of every route change (`/approvals watch` and `unwatch`). The `audit`
-- table is per approval (`approval_id NOT NULL`), so route changes get a table of their own.
CREATE TABLE route_audit (
    id               INTEGER PRIMARY KEY,
    at               INTEGER NOT NULL, -- unix milliseconds
    actor_id         INTEGER NOT NULL, -- Discord user id
    actor_name       TEXT    NOT NULL,
    action           TEXT    NOT NULL CHECK (action IN ('watch', 'unwatch')),
    workflow_id      TEXT    NOT NULL,
    workflow_name    TEXT,
    -- The route after a watch, the route removed by an unwatch.
    channel_id       INTEGER,
    reviewer_role_id INTEGER
);

CREATE TRIGGER route_audit_rows_are_never_updated BEFORE UPDATE ON route_audit
BEGIN
    SELECT RAISE(ABORT, 'the route_audit table is append-only');
END;

CREATE TRIGGER route_audit_rows_are_never_deleted BEFORE DELETE ON route_audit
BEGIN
    SELECT RAISE(ABORT, 'the route_audit table is append-only');
END;
