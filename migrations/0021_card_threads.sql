-- A thread per card (CARD_THREADS, a route's `threads` option). `watches.threads`: 1 on, 0 off,
-- NULL the default. `approvals.thread_id`: the card's thread, once started (a thread started from
-- a message has the message's id); `thread_closed` 1 once its closing message was sent and it
-- was archived; `no_thread` why the card has no thread (a missing permission), shown on the card.
ALTER TABLE watches ADD COLUMN threads INTEGER;
ALTER TABLE approvals ADD COLUMN thread_id INTEGER;
ALTER TABLE approvals ADD COLUMN thread_closed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE approvals ADD COLUMN no_thread TEXT;
