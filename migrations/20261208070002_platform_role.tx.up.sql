-- The database, not a setting, decides platform scope. Until now a
-- transaction saw every company once it declared app.platform = 'on',
-- which any session of the application role could do: one SQL injection
-- in tenant code would have opened every company. Now only the role
-- estatedesk_platform sees across companies; the application takes it on
-- a pool of its own for the few platform-wide operations, and the tenant
-- pool logs in as estatedesk_tenant, which is not a member of it and so
-- cannot SET ROLE to it (nor is it a superuser, to RESET its way out).
{{if .PG}}
DO $$
BEGIN
    CREATE ROLE estatedesk_platform NOLOGIN NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
--bun:split
DO $$
BEGIN
    EXECUTE format('GRANT estatedesk_platform TO %I', current_user);
EXCEPTION WHEN others THEN NULL;
END
$$;
--bun:split
-- The tenant pool's login: estatedesk_app's rights, nothing else. It has
-- no password here; an operator who connects with passwords sets one
-- (docs/operations.md). Trust and peer authentication need none.
DO $$
BEGIN
    CREATE ROLE estatedesk_tenant LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT IN ROLE estatedesk_app;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
--bun:split
GRANT USAGE ON SCHEMA public TO estatedesk_platform;
--bun:split
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO estatedesk_platform;
--bun:split
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO estatedesk_platform;
--bun:split
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO estatedesk_platform;
--bun:split
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO estatedesk_platform;
--bun:split
CREATE OR REPLACE FUNCTION estatedesk_tenant_visible(t uuid) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT t = NULLIF(current_setting('app.tenant_id', true), '')::uuid
        OR current_user = 'estatedesk_platform'
$$;
{{else}}
SELECT 1;
{{end}}
