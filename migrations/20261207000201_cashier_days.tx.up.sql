-- The daily cashier report (日结): a clerk's day at an estate, in the
-- company's time zone. The row exists from the clerk's first payment or
-- void of the day (or from the close); payments and voids hold it shared
-- while they commit and the close holds it exclusively, so no payment
-- lands on a day after its totals were taken. closed_at set: the day is
-- closed and report holds the totals as closed (JSON); a reopen clears
-- both. See docs/fees.md.
CREATE TABLE fee_cashier_days (
    tenant_id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    clerk_id {{.UUID}} NOT NULL,
    day text NOT NULL,
    closed_at {{.TS}},
    report text NOT NULL DEFAULT '',
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, estate_id, clerk_id, day),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id)
);
--bun:split

-- Each close and reopen of a cashier day: who, when, the reopen's reason
-- and the totals as they were closed.
CREATE TABLE fee_cashier_day_events (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    clerk_id {{.UUID}} NOT NULL,
    day text NOT NULL,
    kind text NOT NULL,
    by_id {{.UUID}} NOT NULL,
    at {{.TS}} NOT NULL,
    reason text NOT NULL DEFAULT '',
    report text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, estate_id, clerk_id, day) REFERENCES fee_cashier_days (tenant_id, estate_id, clerk_id, day)
);
--bun:split
CREATE INDEX fee_cashier_day_events_day_idx ON fee_cashier_day_events (tenant_id, estate_id, clerk_id, day);
--bun:split
-- The day's report finds payments by estate and time (payments_estate_idx)
-- and voids by estate and void time.
CREATE INDEX payments_estate_voided_idx ON payments (tenant_id, estate_id, voided_at);
{{if .PG}}
--bun:split
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['fee_cashier_days', 'fee_cashier_day_events'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (estatedesk_tenant_visible(tenant_id)) WITH CHECK (estatedesk_tenant_visible(tenant_id))', t);
    END LOOP;
END
$$;
{{end}}
