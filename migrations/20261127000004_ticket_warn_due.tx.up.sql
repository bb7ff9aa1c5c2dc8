-- When the warning before the resolution deadline fires. The deadline
-- timers run as a chain (each sets the next), so the warning's instant is
-- kept with the deadlines it belongs to.
ALTER TABLE tickets ADD COLUMN warn_due {{.TS}};
