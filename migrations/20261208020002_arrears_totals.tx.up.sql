-- The arrears totals (欠费合计) kept as the bills change, so that the aging
-- report reads a few hundred rows instead of every bill in arrears of an
-- estate (see docs/fees.md, Arrears, and docs/benchmarks.md, Fees).
--
-- fee_arrears: per estate, building, fee item and due day, the bills not
-- paid (status <> 'paid'), what they leave open, and the units whose
-- oldest such bill of the item is due that day: a unit is in arrears on a
-- day for an item when its oldest open bill is due before it, so the
-- units of any day are a sum too. fee_arrears_units keeps each unit's
-- oldest open due day per item (a row while it has one) to move its
-- count.
--
-- Both are written only by the triggers on bills below, in the
-- transaction that changes the bills (a run, a payment, a void, a waiver,
-- a balance applied); TestArrearsTotalsMatchBills recomputes them from
-- the bills. PostgreSQL: one trigger run per statement, set at a time
-- (a run's batch of 5,000 bills is three statements more); SQLite: per
-- row.
CREATE TABLE fee_arrears (
    tenant_id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    building_id {{.UUID}} NOT NULL,
    item_id {{.UUID}} NOT NULL,
    due_date text NOT NULL,
    bills bigint NOT NULL DEFAULT 0,
    open_fen bigint NOT NULL DEFAULT 0,
    units bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, estate_id, building_id, item_id, due_date)
);
--bun:split
CREATE TABLE fee_arrears_units (
    tenant_id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    building_id {{.UUID}} NOT NULL,
    unit_id {{.UUID}} NOT NULL,
    item_id {{.UUID}} NOT NULL,
    oldest_due text NOT NULL,
    PRIMARY KEY (tenant_id, unit_id, item_id, estate_id, building_id)
);
{{if .PG}}
--bun:split
-- The statement's changed bills as signed contributions (ch), their
-- units' oldest open due day before (was) and after (now: the least of
-- was and the days added, unless a bill due on was left the open ones —
-- then looked up), and the totals moved by both.
CREATE FUNCTION fee_arrears_sync() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    cols constant text := 'tenant_id, estate_id, building_id, unit_id, item_id, due_date';
    ch text;
BEGIN
    ch := CASE TG_OP
        WHEN 'INSERT' THEN format('SELECT %s, 1 AS n, amount_fen - paid_fen - waived_fen AS f FROM new_rows WHERE status <> ''paid''', cols)
        WHEN 'DELETE' THEN format('SELECT %s, -1 AS n, paid_fen + waived_fen - amount_fen AS f FROM old_rows WHERE status <> ''paid''', cols)
        ELSE format('SELECT %s, -1 AS n, paid_fen + waived_fen - amount_fen AS f FROM old_rows WHERE status <> ''paid''
            UNION ALL SELECT %s, 1, amount_fen - paid_fen - waived_fen FROM new_rows WHERE status <> ''paid''', cols, cols)
    END;
    EXECUTE format($q$
    WITH ch AS (%s),
    pairs AS (
        SELECT tenant_id, estate_id, building_id, unit_id, item_id,
            min(due_date) FILTER (WHERE n > 0) AS added, min(due_date) FILTER (WHERE n < 0) AS removed
        FROM ch GROUP BY tenant_id, estate_id, building_id, unit_id, item_id
    ),
    moved AS (
        SELECT p.*, u.oldest_due AS was,
            CASE WHEN p.removed IS NOT NULL AND (u.oldest_due IS NULL OR p.removed <= u.oldest_due) THEN
                (SELECT min(b.due_date) FROM bills AS b WHERE b.tenant_id = p.tenant_id AND b.unit_id = p.unit_id
                    AND b.item_id = p.item_id AND b.estate_id = p.estate_id AND b.building_id = p.building_id AND b.status <> 'paid')
            ELSE least(u.oldest_due, p.added) END AS now
        FROM pairs AS p
        LEFT JOIN fee_arrears_units AS u ON u.tenant_id = p.tenant_id AND u.unit_id = p.unit_id AND u.item_id = p.item_id
            AND u.estate_id = p.estate_id AND u.building_id = p.building_id
    ),
    changed AS (SELECT * FROM moved WHERE now IS DISTINCT FROM was),
    kept AS (
        INSERT INTO fee_arrears_units AS u (tenant_id, estate_id, building_id, unit_id, item_id, oldest_due)
        SELECT tenant_id, estate_id, building_id, unit_id, item_id, now FROM changed WHERE now IS NOT NULL
        ON CONFLICT (tenant_id, unit_id, item_id, estate_id, building_id) DO UPDATE SET oldest_due = excluded.oldest_due
    ),
    gone AS (
        DELETE FROM fee_arrears_units AS u USING changed AS c
        WHERE c.now IS NULL AND u.tenant_id = c.tenant_id AND u.unit_id = c.unit_id AND u.item_id = c.item_id
            AND u.estate_id = c.estate_id AND u.building_id = c.building_id
    ),
    delta AS (
        SELECT tenant_id, estate_id, building_id, item_id, due_date, n AS bills, f AS open_fen, 0 AS units FROM ch
        UNION ALL SELECT tenant_id, estate_id, building_id, item_id, was, 0, 0, -1 FROM changed WHERE was IS NOT NULL
        UNION ALL SELECT tenant_id, estate_id, building_id, item_id, now, 0, 0, 1 FROM changed WHERE now IS NOT NULL
    )
    INSERT INTO fee_arrears AS a (tenant_id, estate_id, building_id, item_id, due_date, bills, open_fen, units)
    SELECT tenant_id, estate_id, building_id, item_id, due_date, sum(bills), sum(open_fen), sum(units) FROM delta
    GROUP BY tenant_id, estate_id, building_id, item_id, due_date
    HAVING sum(bills) <> 0 OR sum(open_fen) <> 0 OR sum(units) <> 0
    -- In key order: two payments' transactions take the rows they share
    -- in the same order, so they wait for each other, never deadlock.
    ORDER BY tenant_id, estate_id, building_id, item_id, due_date
    ON CONFLICT (tenant_id, estate_id, building_id, item_id, due_date) DO UPDATE
        SET bills = a.bills + excluded.bills, open_fen = a.open_fen + excluded.open_fen, units = a.units + excluded.units
    $q$, ch);
    RETURN NULL;
END
$fn$;
--bun:split
CREATE TRIGGER bills_arrears_insert AFTER INSERT ON bills REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fee_arrears_sync();
--bun:split
CREATE TRIGGER bills_arrears_update AFTER UPDATE ON bills REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fee_arrears_sync();
--bun:split
CREATE TRIGGER bills_arrears_delete AFTER DELETE ON bills REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fee_arrears_sync();
--bun:split
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['fee_arrears', 'fee_arrears_units'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (estatedesk_tenant_visible(tenant_id)) WITH CHECK (estatedesk_tenant_visible(tenant_id))', t);
    END LOOP;
END
$$;
{{else}}
--bun:split
CREATE TRIGGER bills_arrears_insert AFTER INSERT ON bills WHEN NEW.status <> 'paid' BEGIN
{{- template "add"}}
{{- template "refresh" "NEW"}}
END;
--bun:split
CREATE TRIGGER bills_arrears_update AFTER UPDATE ON bills WHEN OLD.status <> 'paid' OR NEW.status <> 'paid' BEGIN
{{- template "remove"}}
{{- template "add"}}
{{- template "refresh" "NEW"}}
END;
--bun:split
CREATE TRIGGER bills_arrears_delete AFTER DELETE ON bills WHEN OLD.status <> 'paid' BEGIN
{{- template "remove"}}
{{- template "refresh" "OLD"}}
END;
{{end}}
{{- if .PG}}
--bun:split
-- Every company's bills, whether the owner is subject to their policies
-- or not (for this transaction).
SELECT set_config('app.platform', 'on', true);
{{- end}}
--bun:split
-- The bills there are now.
INSERT INTO fee_arrears_units (tenant_id, estate_id, building_id, unit_id, item_id, oldest_due)
SELECT tenant_id, estate_id, building_id, unit_id, item_id, min(due_date) FROM bills WHERE status <> 'paid'
GROUP BY tenant_id, estate_id, building_id, unit_id, item_id;
--bun:split
INSERT INTO fee_arrears (tenant_id, estate_id, building_id, item_id, due_date, bills, open_fen, units)
SELECT tenant_id, estate_id, building_id, item_id, due_date, sum(bills), sum(open_fen), sum(units) FROM (
    SELECT tenant_id, estate_id, building_id, item_id, due_date, count(*) AS bills, sum(amount_fen - paid_fen - waived_fen) AS open_fen, 0 AS units
    FROM bills WHERE status <> 'paid' GROUP BY tenant_id, estate_id, building_id, item_id, due_date
    UNION ALL
    SELECT tenant_id, estate_id, building_id, item_id, oldest_due, 0, 0, count(*) FROM fee_arrears_units
    GROUP BY tenant_id, estate_id, building_id, item_id, oldest_due
) AS x GROUP BY tenant_id, estate_id, building_id, item_id, due_date;
{{- define "open"}}{{.}}.amount_fen - {{.}}.paid_fen - {{.}}.waived_fen{{end}}
{{- define "pair"}}tenant_id = {{.}}.tenant_id AND estate_id = {{.}}.estate_id AND building_id = {{.}}.building_id AND item_id = {{.}}.item_id{{end}}
{{- define "unit"}}{{template "pair" .}} AND unit_id = {{.}}.unit_id{{end}}
{{- define "oldest"}}(SELECT min(due_date) FROM bills WHERE {{template "unit" .}} AND status <> 'paid'){{end}}
{{- define "was"}}(SELECT oldest_due FROM fee_arrears_units WHERE {{template "unit" .}}){{end}}
{{- define "remove"}}
    UPDATE fee_arrears SET bills = bills - 1, open_fen = open_fen - ({{template "open" "OLD"}})
    WHERE {{template "pair" "OLD"}} AND due_date = OLD.due_date AND OLD.status <> 'paid';
{{- end}}
{{- define "add"}}
    INSERT INTO fee_arrears (tenant_id, estate_id, building_id, item_id, due_date, bills, open_fen, units)
    SELECT NEW.tenant_id, NEW.estate_id, NEW.building_id, NEW.item_id, NEW.due_date, 1, {{template "open" "NEW"}}, 0 WHERE NEW.status <> 'paid'
    ON CONFLICT (tenant_id, estate_id, building_id, item_id, due_date) DO UPDATE
        SET bills = bills + 1, open_fen = open_fen + excluded.open_fen;
{{- end}}
{{- /* SQLite: the unit's oldest open bill of the item, looked up again: SQLite runs
       the trigger after each row, so the last row of a unit's sees them all. */}}
{{- define "refresh"}}
    UPDATE fee_arrears SET units = units - 1
    WHERE {{template "pair" .}} AND due_date = {{template "was" .}} AND due_date IS NOT {{template "oldest" .}};
    UPDATE fee_arrears SET units = units + 1
    WHERE {{template "pair" .}} AND due_date = {{template "oldest" .}} AND due_date IS NOT {{template "was" .}};
    DELETE FROM fee_arrears_units WHERE {{template "unit" .}} AND {{template "oldest" .}} IS NULL;
    INSERT INTO fee_arrears_units (tenant_id, estate_id, building_id, unit_id, item_id, oldest_due)
    SELECT {{.}}.tenant_id, {{.}}.estate_id, {{.}}.building_id, {{.}}.unit_id, {{.}}.item_id, {{template "oldest" .}} WHERE {{template "oldest" .}} IS NOT NULL
    ON CONFLICT (tenant_id, unit_id, item_id, estate_id, building_id) DO UPDATE SET oldest_due = excluded.oldest_due;
{{- end}}
