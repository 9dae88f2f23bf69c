-- PostgreSQL twin of ../0010_review_policies.sql.
ALTER TABLE watches ADD COLUMN approvals_required BIGINT;
ALTER TABLE watches ADD COLUMN remind_after_ms BIGINT;
ALTER TABLE watches ADD COLUMN max_reminders BIGINT;
ALTER TABLE watches ADD COLUMN deadline_ms BIGINT;
ALTER TABLE watches ADD COLUMN on_deadline TEXT;

ALTER TABLE route_audit ADD COLUMN policy TEXT;

CREATE TABLE approval_votes (
    approval_id   BIGINT NOT NULL REFERENCES approvals (id),
    reviewer_id   BIGINT NOT NULL,
    reviewer_name TEXT   NOT NULL,
    at            BIGINT NOT NULL,
    PRIMARY KEY (approval_id, reviewer_id)
);

ALTER TABLE approvals ADD COLUMN reminders_sent BIGINT NOT NULL DEFAULT 0;
ALTER TABLE approvals ADD COLUMN last_reminded_at BIGINT;
ALTER TABLE approvals ADD COLUMN overdue_at BIGINT;
