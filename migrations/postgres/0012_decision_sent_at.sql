-- PostgreSQL twin of ../0011_decision_sent_at.sql.
ALTER TABLE approvals ADD COLUMN decision_sent_at BIGINT;
UPDATE approvals SET decision_sent_at = decided_at WHERE state = 'deciding' AND decision_sent = 1;
