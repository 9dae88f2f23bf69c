-- PostgreSQL twin of ../0005_card_attempts.sql.
ALTER TABLE approvals ADD COLUMN card_attempted_at BIGINT;
