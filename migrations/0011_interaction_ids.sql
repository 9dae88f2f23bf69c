-- Interactions the endpoint has taken, by id: a signed POST sent again (a replay, within the
-- signature's 5 minutes) finds its id here and is refused. Every replica behind the load balancer
-- writes here, so a replay sent to another replica is refused too. Rows older than the signature
-- window and the clock skew are pruned (see `src/store/interactions.rs`).
CREATE TABLE interaction_ids (
    id      INTEGER PRIMARY KEY, -- Discord's interaction id (a snowflake)
    seen_at INTEGER NOT NULL     -- unix milliseconds
);

CREATE INDEX interaction_ids_by_age ON interaction_ids (seen_at);
