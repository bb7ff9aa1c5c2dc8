-- KPIs (统计分析): daily rollups the dashboards read instead of the tickets,
-- the rollup job's watermark, the targets, and the minor-repair flag on
-- categories that 零修及时率 counts. See docs/kpis.md.

-- Minor repairs (零星维修): a category flag covering its subcategories.
ALTER TABLE ticket_categories ADD COLUMN minor boolean NOT NULL DEFAULT false;
--bun:split

-- The rollup job finds the tickets changed since its watermark.
CREATE INDEX tickets_updated_idx ON tickets (updated_at);
--bun:split

-- One row per estate and local day (YYYY-MM-DD in the company's time
-- zone): the counts every figure is a sum or ratio of.
CREATE TABLE kpi_daily (
    tenant_id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    day text NOT NULL,
    received integer NOT NULL DEFAULT 0,
    complaints integer NOT NULL DEFAULT 0,
    majors integer NOT NULL DEFAULT 0,
    completed integer NOT NULL DEFAULT 0,
    first_fix integer NOT NULL DEFAULT 0,
    minor_done integer NOT NULL DEFAULT 0,
    minor_late integer NOT NULL DEFAULT 0,
    complaint_done integer NOT NULL DEFAULT 0,
    complaint_late integer NOT NULL DEFAULT 0,
    callback_due integer NOT NULL DEFAULT 0,
    callback_done integer NOT NULL DEFAULT 0,
    cb_reached integer NOT NULL DEFAULT 0,
    cb_satisfied integer NOT NULL DEFAULT 0,
    breached integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, estate_id, day),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id)
);
--bun:split

-- First-response times by whole minute: medians and percentiles are exact
-- from counts per minute, which a sum of days keeps.
CREATE TABLE kpi_response_daily (
    tenant_id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    day text NOT NULL,
    minutes integer NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (tenant_id, estate_id, day, minutes),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id)
);
--bun:split

-- Workload per team (kind 'team'), worker ('worker') and receiver
-- ('receiver': whoever the owner told, received_by).
CREATE TABLE kpi_staff_daily (
    tenant_id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    day text NOT NULL,
    kind text NOT NULL,
    subject_id {{.UUID}} NOT NULL,
    received integer NOT NULL DEFAULT 0,
    outside integer NOT NULL DEFAULT 0,
    completed integer NOT NULL DEFAULT 0,
    breached integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, estate_id, day, kind, subject_id),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id)
);
--bun:split

-- Requests received per root category ('category') and building
-- ('building'), for the hot spots.
CREATE TABLE kpi_hot_daily (
    tenant_id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    day text NOT NULL,
    kind text NOT NULL,
    subject_id {{.UUID}} NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (tenant_id, estate_id, day, kind, subject_id),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id)
);
--bun:split

-- How far the rollups of a company are up to date: tickets changed at or
-- after through (less an overlap for transactions still committing) are
-- read again. No row: rebuild everything. minor_sig is the minor
-- categories the rollups were counted with: when they change, every day is
-- counted again.
CREATE TABLE kpi_watermarks (
    tenant_id {{.UUID}} NOT NULL REFERENCES tenants (id),
    through {{.TS}} NOT NULL,
    minor_sig text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id)
);
--bun:split

-- Targets: the company's (estate_key '') and an estate's override
-- (estate_key its ID). Rates in basis points, counts as counts, times in
-- minutes.
CREATE TABLE kpi_targets (
    tenant_id {{.UUID}} NOT NULL REFERENCES tenants (id),
    estate_key text NOT NULL,
    figure text NOT NULL,
    value bigint NOT NULL,
    updated_by {{.UUID}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, estate_key, figure)
);
{{if .PG}}
--bun:split
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['kpi_daily', 'kpi_response_daily', 'kpi_staff_daily', 'kpi_hot_daily', 'kpi_watermarks', 'kpi_targets'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (estatedesk_tenant_visible(tenant_id)) WITH CHECK (estatedesk_tenant_visible(tenant_id))', t);
    END LOOP;
END $$;
{{end}}
