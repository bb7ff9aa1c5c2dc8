-- Every print of a receipt (收款收据), in order: the first is the original,
-- every later one is printed marked as a copy (副本). Who printed it and
-- when stay for the cashier's supervisor. See docs/fees.md.
CREATE TABLE receipt_prints (
    tenant_id {{.UUID}} NOT NULL,
    payment_id {{.UUID}} NOT NULL,
    seq integer NOT NULL,
    printed_by {{.UUID}} NOT NULL,
    printed_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, payment_id, seq),
    FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id)
);
{{if .PG}}
--bun:split
ALTER TABLE receipt_prints ENABLE ROW LEVEL SECURITY;
--bun:split
ALTER TABLE receipt_prints FORCE ROW LEVEL SECURITY;
--bun:split
CREATE POLICY tenant_isolation ON receipt_prints USING (estatedesk_tenant_visible(tenant_id)) WITH CHECK (estatedesk_tenant_visible(tenant_id));
{{end}}
