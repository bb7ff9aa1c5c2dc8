DROP TRIGGER bills_arrears_insert{{if .PG}} ON bills{{end}};
--bun:split
DROP TRIGGER bills_arrears_update{{if .PG}} ON bills{{end}};
--bun:split
DROP TRIGGER bills_arrears_delete{{if .PG}} ON bills{{end}};
{{if .PG}}
--bun:split
DROP FUNCTION fee_arrears_sync();
{{end}}
--bun:split
DROP TABLE fee_arrears_units;
--bun:split
DROP TABLE fee_arrears;
