-- The application analyzes the tables it has just filled (a large import,
-- the demo) so that the planner does not wait for autovacuum, which may be
-- off or minutes away: a queue page took 1.6 s on tables never analyzed,
-- 27 ms after. ANALYZE needs the table's owner, which the application's
-- role is not; this function, owned by the schema's owner, analyzes the
-- named tables of the schema (all of them when none is named) and can do
-- nothing else. SQLite plans without statistics: nothing to do there.
{{if .PG}}
CREATE FUNCTION estatedesk_analyze(tables text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public'
            AND (cardinality(tables) IS NULL OR cardinality(tables) = 0 OR tablename = ANY (tables)) LOOP
        EXECUTE format('ANALYZE public.%I', t);
    END LOOP;
END
$$;
--bun:split
REVOKE ALL ON FUNCTION estatedesk_analyze(text[]) FROM PUBLIC;
--bun:split
GRANT EXECUTE ON FUNCTION estatedesk_analyze(text[]) TO estatedesk_app;
{{end}}
