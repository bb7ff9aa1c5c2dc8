DROP INDEX bills_arrears_idx;
--bun:split
CREATE INDEX bills_estate_due_idx ON bills (tenant_id, estate_id, status, due_date);
--bun:split
CREATE INDEX bills_run_idx ON bills (tenant_id, run_id);
