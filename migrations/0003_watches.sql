-- Routes set by admins with `/approvals watch`: where the gates of one workflow go, and which
-- role decides them. A workflow without a row goes to APPROVAL_CHANNEL_ID, when that is set.
CREATE TABLE watches (
    workflow_id      TEXT    PRIMARY KEY,
    -- The name Scenario gave it when the route was set, for listings without an API call.
    workflow_name    TEXT    NOT NULL,
    channel_id       INTEGER NOT NULL,
    -- NULL: the default reviewers (REVIEWER_ROLE_IDS, else members with Manage Server).
    reviewer_role_id INTEGER,
    set_by           INTEGER NOT NULL, -- Discord user id
    set_by_name      TEXT    NOT NULL,
    set_at           INTEGER NOT NULL  -- unix milliseconds
);
