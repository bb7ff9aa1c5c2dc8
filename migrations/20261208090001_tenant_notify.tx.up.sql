-- A company's row changes (status, plan, limits, two-factor rule) reach
-- every replica's caches from the database itself: the billing jobs and
-- webhooks change a status in their own transactions, and a notification
-- sent by the application could go out before the commit. A NOTIFY from a
-- trigger is delivered when, and only if, the transaction commits.
{{if .PG}}
CREATE FUNCTION estatedesk_tenants_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('estatedesk_cache', 'tenants');
    RETURN NULL;
END;
$$;

CREATE TRIGGER tenants_notify AFTER UPDATE OR DELETE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION estatedesk_tenants_changed();
{{else}}
SELECT 1;
{{end}}
