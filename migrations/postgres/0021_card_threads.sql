-- PostgreSQL twin of ../0021_card_threads.sql: a thread per card.
ALTER TABLE watches ADD COLUMN threads BIGINT;
ALTER TABLE approvals ADD COLUMN thread_id BIGINT;
ALTER TABLE approvals ADD COLUMN thread_closed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE approvals ADD COLUMN no_thread TEXT;
