{{if .PG}}ALTER TABLE payments ALTER COLUMN receipt_no SET NOT NULL{{else}}SELECT 1{{end}};
--bun:split
DROP INDEX payments_unnumbered_idx;
