DROP INDEX tickets_timer_idx;
ALTER TABLE tickets DROP COLUMN timer_at;
