-- Which process may act on this database (poll Scenario, post cards, send decisions): the one
-- holding the lease, renewed well before it expires. A second process on the same database waits
-- until the holder releases it (a clean stop), vanishes (its lease expires), or is known dead.
CREATE TABLE lease (
    name       TEXT    PRIMARY KEY,
    -- Who holds it: host, boot, pid namespace, pid and start time of the process (see src/lease.rs).
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL -- unix milliseconds
);
