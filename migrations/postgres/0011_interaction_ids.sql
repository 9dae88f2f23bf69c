-- PostgreSQL twin of ../0011_interaction_ids.sql: interactions the endpoint has taken, by id.
CREATE TABLE interaction_ids (
    id      BIGINT PRIMARY KEY,
    seen_at BIGINT NOT NULL
);

CREATE INDEX interaction_ids_by_age ON interaction_ids (seen_at);
