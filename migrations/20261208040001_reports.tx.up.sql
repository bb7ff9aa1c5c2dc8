-- The monthly report (月度分析报告): one per company (estate_key '') or
-- estate (its ID) and month, generated on demand or by the job on the 1st.
-- data is the report's content as it was computed (JSON), so the archive
-- shows what was sent even after the tickets change; the PDF and XLSX are
-- rendered from it. See docs/kpis.md.
CREATE TABLE reports (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    estate_id {{.UUID}},
    estate_key text NOT NULL,
    month text NOT NULL,
    status text NOT NULL,
    data text NOT NULL,
    commentary text NOT NULL DEFAULT '',
    commentary_by {{.UUID}},
    commentary_at {{.TS}},
    generated_by {{.UUID}},
    generated_at {{.TS}} NOT NULL,
    sent_by {{.UUID}},
    sent_at {{.TS}},
    recipients integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, estate_key, month),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id)
);
--bun:split
CREATE INDEX reports_month_idx ON reports (tenant_id, month);
{{if .PG}}
--bun:split
ALTER TABLE reports ENABLE ROW LEVEL SECURITY;
--bun:split
ALTER TABLE reports FORCE ROW LEVEL SECURITY;
--bun:split
CREATE POLICY tenant_isolation ON reports USING (estatedesk_tenant_visible(tenant_id)) WITH CHECK (estatedesk_tenant_visible(tenant_id));
{{end}}
