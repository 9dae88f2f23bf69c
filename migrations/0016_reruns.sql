-- Re-runs: a reviewer's "try again with…" from a card. A request is recorded here before its run
-- is started, one per gate (two Starts, from two reviewers or two replicas, make one run): it
-- moves requested → sending → started (the new job) or not_started, through unsettled while a
-- lost answer is not cleared up. Every write is guarded by the state it leaves and by `token`,
-- the claim token of the process sending it (`<replica>.<random>`, as for decisions).
CREATE TABLE reruns (
    id                INTEGER PRIMARY KEY,
    approval_id       INTEGER NOT NULL UNIQUE REFERENCES approvals (id), -- the gate re-run
    workflow_id       TEXT    NOT NULL,
    requested_by_id   INTEGER NOT NULL, -- Discord user id
    requested_by_name TEXT    NOT NULL,
    inputs            TEXT    NOT NULL, -- JSON object: the whole body of the run PUT
    changed           TEXT    NOT NULL, -- JSON array of the input names changed
    note              TEXT,             -- the reviewer's note, added to the rejection's reason
    cost              REAL,             -- creative units, from the dry run
    state             TEXT    NOT NULL,
    token             TEXT,
    requested_at      INTEGER NOT NULL, -- unix milliseconds, shared clock
    sent_at           INTEGER,          -- when the PUT was recorded as about to go out
    new_job_id        TEXT,             -- the run started (or found)
    round             INTEGER NOT NULL, -- the new run's round: 2 for a first re-run
    why               TEXT,             -- why nothing was started, or why it is not known
    linked            INTEGER NOT NULL DEFAULT 0 -- 1 once the gate's card links the new card
);
CREATE INDEX reruns_new_job ON reruns (new_job_id);

-- What a reviewer typed in the re-run form and the dry run priced, until they press Start or
-- Cancel: one per reviewer and gate (a new form replaces it).
CREATE TABLE rerun_drafts (
    approval_id INTEGER NOT NULL REFERENCES approvals (id),
    reviewer_id INTEGER NOT NULL, -- Discord user id
    inputs      TEXT    NOT NULL, -- JSON object
    changed     TEXT    NOT NULL, -- JSON array
    note        TEXT,
    cost        REAL    NOT NULL,
    drafted_at  INTEGER NOT NULL,
    PRIMARY KEY (approval_id, reviewer_id)
);

-- A route's re-run policy: `reruns` 1 on, 0 off, NULL the default (RERUNS); `rerun_max_cost` the
-- most creative units one re-run may cost, 0 no cap, NULL the default (RERUN_MAX_COST).
ALTER TABLE watches ADD COLUMN reruns INTEGER;
ALTER TABLE watches ADD COLUMN rerun_max_cost INTEGER;
