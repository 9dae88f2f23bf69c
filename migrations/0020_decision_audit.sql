-- The audit entries of a claim and of the decision Scenario took are written by the statement
-- that makes the transition, so a click's claim is one statement (one round trip to the
-- database) and still never lands without its entry. Who, what and why are copied from the row;
-- the time is the transition's own (`decided_at`). A claim moves a gate from `pending` to
-- `deciding`; a decision taken moves it from `deciding` to `approved` or `rejected` keeping its
-- reviewer (a claim settled otherwise clears the reviewer, and writes its own entry).
CREATE TRIGGER approvals_claimed_audit AFTER UPDATE OF state ON approvals
WHEN OLD.state = 'pending' AND NEW.state = 'deciding'
BEGIN
    INSERT INTO audit (approval_id, at, actor_id, actor_name, action, from_state, to_state, reason, detail)
    VALUES (NEW.id, NEW.decided_at, NEW.decided_by, NEW.decided_by_name, 'claimed', 'pending', 'deciding',
            substr(NEW.reason, 1, 1000),
            CASE WHEN NEW.picks IS NULL THEN NEW.decision ELSE 'select ' || NEW.picks END);
END;

CREATE TRIGGER approvals_decided_audit AFTER UPDATE OF state ON approvals
WHEN OLD.state = 'deciding' AND NEW.state IN ('approved', 'rejected') AND NEW.decided_by IS NOT NULL
BEGIN
    INSERT INTO audit (approval_id, at, actor_id, actor_name, action, from_state, to_state, reason)
    VALUES (NEW.id, NEW.decided_at, NEW.decided_by, NEW.decided_by_name, 'decided', 'deciding', NEW.state,
            substr(NEW.reason, 1, 1000));
END;
