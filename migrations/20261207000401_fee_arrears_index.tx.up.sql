-- Bills in arrears are the few that are not paid: the arrears index holds
-- only those, by estate and due day, so the aging report and the reminder
-- letters read them without passing over the paid ones (the index led by
-- status could not skip them: the queries ask for status <> 'paid'). On
-- PostgreSQL it also carries what the aging report sums, which it then
-- reads from the index alone. Nothing reads bills by run but the run's
-- outcome, which finds them by estate and period: that index goes, one
-- fewer for a billing run's 300,000 inserts. See docs/benchmarks.md (Fees).
DROP INDEX bills_estate_due_idx;
--bun:split
CREATE INDEX bills_arrears_idx ON bills (tenant_id, estate_id, due_date){{if .PG}} INCLUDE (unit_id, building_id, item_id, amount_fen, paid_fen, waived_fen){{end}} WHERE status <> 'paid';
--bun:split
DROP INDEX bills_run_idx;
