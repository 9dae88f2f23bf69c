-- Append-only record of every transition and every refused attempt.
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    approval_id INTEGER NOT NULL REFERENCES approvals (id),
    at          INTEGER NOT NULL, -- unix milliseconds
    actor_id    INTEGER,          -- Discord user id; NULL when the bridge itself acted
    actor_name  TEXT,
    action      TEXT    NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    reason      TEXT,
    detail      TEXT
);

CREATE INDEX audit_by_approval ON audit (approval_id);

CREATE TRIGGER audit_rows_are_never_updated BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit table is append-only');
END;

CREATE TRIGGER audit_rows_are_never_deleted BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit table is append-only');
END;
