{{if .PG}}
DROP TRIGGER IF EXISTS tenants_notify ON tenants;
DROP FUNCTION IF EXISTS estatedesk_tenants_changed();
{{else}}
SELECT 1;
{{end}}
