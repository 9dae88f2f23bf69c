-- PostgreSQL twin of ../0017_review_rules.sql.
ALTER TABLE approval_votes ADD COLUMN note TEXT;
ALTER TABLE watches ADD COLUMN each_of TEXT;
ALTER TABLE watches ADD COLUMN escalate_to BIGINT;
ALTER TABLE watches ADD COLUMN escalate_after_ms BIGINT;
ALTER TABLE approvals ADD COLUMN escalated_at BIGINT;
