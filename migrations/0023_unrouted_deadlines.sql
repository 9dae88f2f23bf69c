-- The moment the deadline counts from, for a workflow without a route whose gates were waiting
-- when its route was removed and the defaults' deadline is shorter (or there was none): removing
-- a route never decides a gate at once, as a policy change never does. A route set again takes
-- the moment over (`watches.deadline_from`) and the row goes.
CREATE TABLE unrouted_deadlines (
    workflow_id TEXT PRIMARY KEY,
    deadline_from INTEGER NOT NULL
);
