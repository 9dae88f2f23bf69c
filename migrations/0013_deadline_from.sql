-- The moment a route's deadline counts from for the gates already waiting when it was set or
-- shortened (unix milliseconds, shared clock): a policy change never decides a gate at once.
-- NULL: each gate's deadline counts from when the gate was seen.
ALTER TABLE watches ADD COLUMN deadline_from INTEGER;
