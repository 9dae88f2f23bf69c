-- PostgreSQL twin of ../0020_decision_audit.sql: the audit entries of a claim and of a decision
-- taken, written by the statement that makes the transition.
CREATE FUNCTION audit_claimed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit (approval_id, at, actor_id, actor_name, action, from_state, to_state, reason, detail)
    VALUES (NEW.id, NEW.decided_at, NEW.decided_by, NEW.decided_by_name, 'claimed', 'pending', 'deciding',
            left(NEW.reason, 1000),
            CASE WHEN NEW.picks IS NULL THEN NEW.decision ELSE 'select ' || NEW.picks END);
    RETURN NULL;
END;
$$;

CREATE TRIGGER approvals_claimed_audit AFTER UPDATE OF state ON approvals
    FOR EACH ROW WHEN (OLD.state = 'pending' AND NEW.state = 'deciding')
    EXECUTE FUNCTION audit_claimed();

CREATE FUNCTION audit_decided() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit (approval_id, at, actor_id, actor_name, action, from_state, to_state, reason)
    VALUES (NEW.id, NEW.decided_at, NEW.decided_by, NEW.decided_by_name, 'decided', 'deciding', NEW.state,
            left(NEW.reason, 1000));
    RETURN NULL;
END;
$$;

CREATE TRIGGER approvals_decided_audit AFTER UPDATE OF state ON approvals
    FOR EACH ROW WHEN (OLD.state = 'deciding' AND NEW.state IN ('approved', 'rejected')
                       AND NEW.decided_by IS NOT NULL)
    EXECUTE FUNCTION audit_decided();
