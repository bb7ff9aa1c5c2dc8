ALTER TABLE tickets DROP COLUMN clock;
--bun:split
ALTER TABLE sla_policies DROP COLUMN clock;
