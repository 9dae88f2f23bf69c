-- Refused attempts (a click without the right, anything from outside the home server), counted
-- per person, server, card, attempt and minute: a flood of clicks raises one row's count instead
-- of adding a row per click, so an outsider cannot grow the database without bound. The first
-- refusal of a minute on a card also writes its `audit` row, which stays append-only.
CREATE TABLE refusals (
    id          INTEGER PRIMARY KEY,
    minute      INTEGER NOT NULL,           -- unix minutes
    actor_id    INTEGER NOT NULL,           -- Discord user id
    actor_name  TEXT    NOT NULL,           -- their display name at the first attempt
    guild_id    INTEGER NOT NULL DEFAULT 0, -- the server it came from; 0 for none (a DM)
    approval_id INTEGER NOT NULL DEFAULT 0, -- the card, when a card of this bridge; else 0
    attempt     TEXT    NOT NULL,           -- what was tried: `approve`, `/approvals watch`, …
    why         TEXT    NOT NULL,           -- why it was refused (of the first attempt)
    first_at    INTEGER NOT NULL,           -- unix milliseconds
    last_at     INTEGER NOT NULL,
    attempts    INTEGER NOT NULL CHECK (attempts >= 1),
    UNIQUE (minute, actor_id, guild_id, approval_id, attempt)
);

-- A row only counts up: nothing in it is rewritten, nothing is deleted.
CREATE TRIGGER refusals_only_count_up BEFORE UPDATE ON refusals
WHEN NEW.attempts < OLD.attempts OR NEW.last_at < OLD.last_at
    OR NEW.id IS NOT OLD.id OR NEW.minute IS NOT OLD.minute OR NEW.actor_id IS NOT OLD.actor_id
    OR NEW.actor_name IS NOT OLD.actor_name OR NEW.guild_id IS NOT OLD.guild_id
    OR NEW.approval_id IS NOT OLD.approval_id OR NEW.attempt IS NOT OLD.attempt
    OR NEW.why IS NOT OLD.why OR NEW.first_at IS NOT OLD.first_at
BEGIN
    SELECT RAISE(ABORT, 'refusals only count up');
END;

CREATE TRIGGER refusals_are_never_deleted BEFORE DELETE ON refusals
BEGIN
    SELECT RAISE(ABORT, 'the refusals table is append-only');
END;
