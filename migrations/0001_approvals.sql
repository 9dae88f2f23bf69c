-- One row per user-approval gate the bridge has seen, keyed by the gate's identity in Scenario.
-- The row exists before its card: a card is only ever posted for a stored row.
CREATE TABLE approvals (
    id              INTEGER PRIMARY KEY,
    workflow_id     TEXT    NOT NULL,
    job_id          TEXT    NOT NULL,
    node_id         TEXT    NOT NULL,
    -- Index of the ForEach iteration the gate belongs to, when it belongs to one.
    iteration       INTEGER,
    state           TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'deciding', 'approved', 'rejected', 'decided_elsewhere', 'run_ended')),
    -- What the card shows (workflow name, run, assets, prompts), as JSON: a card can be
    -- rendered again (edits, reposts) without asking Scenario.
    gate_json       TEXT    NOT NULL,
    found_at        INTEGER NOT NULL, -- unix milliseconds, as every time column
    -- The card: the channel it goes to, the Discord nonce that makes its post idempotent, and
    -- the message once posted.
    channel_id      INTEGER NOT NULL,
    card_nonce      TEXT    NOT NULL,
    message_id      INTEGER,
    card_deleted_at INTEGER,
    -- Whether the card shows the row's current state (false after a transition until edited).
    card_current    INTEGER NOT NULL DEFAULT 0,
    -- Who decided (or is deciding), what, when, and why. The decision and reason are stored with
    -- the claim, so a decision interrupted by a crash can be completed at start-up.
    decision        TEXT CHECK (decision IN ('approve', 'reject')),
    decided_by      INTEGER,
    decided_by_name TEXT,
    decided_at      INTEGER,
    reason          TEXT,
    UNIQUE (job_id, node_id)
);

CREATE INDEX approvals_open ON approvals (state) WHERE state IN ('pending', 'deciding');
