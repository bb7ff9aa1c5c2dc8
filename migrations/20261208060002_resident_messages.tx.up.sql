-- The messages a resident is sent about a portal request: one per kind
-- (accepted, visit, completed) and round (a reopen starts another), so a
-- transfer or a repeated move does not tell them twice.
CREATE TABLE resident_messages (
    tenant_id {{.UUID}} NOT NULL,
    ticket_id {{.UUID}} NOT NULL,
    kind text NOT NULL,
    round integer NOT NULL,
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, ticket_id, kind, round),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id) ON DELETE CASCADE
);
{{if .PG}}
--bun:split
ALTER TABLE resident_messages ENABLE ROW LEVEL SECURITY;
--bun:split
ALTER TABLE resident_messages FORCE ROW LEVEL SECURITY;
--bun:split
CREATE POLICY tenant_isolation ON resident_messages USING (estatedesk_tenant_visible(tenant_id)) WITH CHECK (estatedesk_tenant_visible(tenant_id));
{{end}}
