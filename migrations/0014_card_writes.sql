-- How many writes of the card have begun: each write renders the row it read with this count
-- bumped, and its card counts as current only if no other write began since. A write that finds
-- it lost that race (its edit may have landed after a newer one) bumps it again and leaves the
-- card stale, so the next pass writes it once more from the row.
ALTER TABLE approvals ADD COLUMN card_writes INTEGER NOT NULL DEFAULT 0;
