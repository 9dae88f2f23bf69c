-- PostgreSQL twin of ../0013_card_writes.sql.
ALTER TABLE approvals ADD COLUMN card_writes BIGINT NOT NULL DEFAULT 0;
