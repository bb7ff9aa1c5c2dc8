-- The deadline timers (response, warning, resolution) live on the ticket:
-- timer_at is when its next one is due, and one periodic sweep fires what
-- has come due, for every tenant, through this index. A create then writes
-- no job row. Tickets whose clock runs are due at once, so the first sweep
-- sets each one's real next instant.
ALTER TABLE tickets ADD COLUMN timer_at {{.TS}};
UPDATE tickets SET timer_at = created_at
    WHERE status NOT IN ('closed', 'cancelled') AND hold_since IS NULL AND completed_at IS NULL;
CREATE INDEX tickets_timer_idx ON tickets (timer_at) WHERE timer_at IS NOT NULL;
