-- Events for a receiver outside the bridge (EVENTS_URL): the outbox of events not delivered
-- yet, written in the same transaction as the audit entry or refusal the event is made of, so an
-- event is never lost between the two. A row is deleted once its receiver answered 2xx.
CREATE TABLE event_outbox (
    id               INTEGER PRIMARY KEY,  -- delivery order
    event_id         TEXT    NOT NULL UNIQUE,
    gate             INTEGER NOT NULL,     -- the approval it is about, 0 for none: order is kept per gate
    body             TEXT    NOT NULL,     -- the event as JSON, exactly as POSTed
    created_at       INTEGER NOT NULL,     -- unix milliseconds, as every time column
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    first_failed_at  INTEGER,
    last_error       TEXT,
    parked_at        INTEGER               -- retried no more until the next start
);

CREATE INDEX event_outbox_by_gate ON event_outbox (gate, id);

-- What the event writer needs to know, one row: whether events go to the outbox (EVENTS_URL is
-- set), and the home server, for links to cards.
CREATE TABLE event_setup (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    outbox        INTEGER NOT NULL DEFAULT 0,
    home_guild_id INTEGER
);
