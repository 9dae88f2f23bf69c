-- PostgreSQL twin of ../0003_watches.sql.
CREATE TABLE watches (
    workflow_id      TEXT   PRIMARY KEY,
    workflow_name    TEXT   NOT NULL,
    channel_id       BIGINT NOT NULL,
    reviewer_role_id BIGINT,
    set_by           BIGINT NOT NULL,
    set_by_name      TEXT   NOT NULL,
    set_at           BIGINT NOT NULL
);
