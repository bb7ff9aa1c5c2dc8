-- On PostgreSQL a payment is written without its receipt number, which
-- the company's sequencer writes right after in a transaction of its own
-- (internal/fee/paybatch.go): the number may be NULL meanwhile, and the
-- sequencer finds the payments still without one by this index. SQLite
-- writes the number with the payment, as before (its column stays NOT
-- NULL: SQLite cannot drop the constraint without rebuilding the table).
CREATE INDEX payments_unnumbered_idx ON payments (tenant_id, paid_at, id) WHERE receipt_no IS NULL;
--bun:split
{{if .PG}}ALTER TABLE payments ALTER COLUMN receipt_no DROP NOT NULL{{else}}SELECT 1{{end}};
