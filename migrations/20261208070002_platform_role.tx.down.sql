{{if .PG}}
CREATE OR REPLACE FUNCTION estatedesk_tenant_visible(t uuid) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT t = NULLIF(current_setting('app.tenant_id', true), '')::uuid
        OR current_setting('app.platform', true) = 'on'
$$;
--bun:split
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM estatedesk_platform;
--bun:split
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM estatedesk_platform;
--bun:split
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM estatedesk_platform;
--bun:split
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM estatedesk_platform;
--bun:split
REVOKE USAGE ON SCHEMA public FROM estatedesk_platform;
{{else}}
SELECT 1;
{{end}}
