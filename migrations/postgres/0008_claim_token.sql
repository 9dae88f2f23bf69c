-- PostgreSQL twin of ../0008_claim_token.sql.
ALTER TABLE approvals ADD COLUMN claim_token TEXT;
ALTER TABLE approvals ADD COLUMN decision_sent BIGINT NOT NULL DEFAULT 0 CHECK (decision_sent IN (0, 1));
