-- PostgreSQL twin of ../0023_unrouted_deadlines.sql.
CREATE TABLE unrouted_deadlines (
    workflow_id TEXT PRIMARY KEY,
    deadline_from BIGINT NOT NULL
);
