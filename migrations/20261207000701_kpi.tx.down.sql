DROP TABLE kpi_targets;
--bun:split
DROP TABLE kpi_watermarks;
--bun:split
DROP TABLE kpi_hot_daily;
--bun:split
DROP TABLE kpi_staff_daily;
--bun:split
DROP TABLE kpi_response_daily;
--bun:split
DROP TABLE kpi_daily;
--bun:split
DROP INDEX tickets_updated_idx;
--bun:split
ALTER TABLE ticket_categories DROP COLUMN minor;
