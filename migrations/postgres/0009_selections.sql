-- PostgreSQL twin of ../0009_selections.sql.
ALTER TABLE approvals ADD COLUMN picks TEXT;

CREATE TABLE selection_choices (
    approval_id BIGINT NOT NULL REFERENCES approvals (id),
    reviewer_id BIGINT NOT NULL,
    picks       TEXT   NOT NULL,
    chosen_at   BIGINT NOT NULL,
    PRIMARY KEY (approval_id, reviewer_id)
);
