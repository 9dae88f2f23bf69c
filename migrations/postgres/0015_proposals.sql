-- PostgreSQL twin of ../0015_proposals.sql.
ALTER TABLE approval_votes ADD COLUMN picks TEXT;
