-- PostgreSQL twin of ../0012_deadline_from.sql.
ALTER TABLE watches ADD COLUMN deadline_from BIGINT;
