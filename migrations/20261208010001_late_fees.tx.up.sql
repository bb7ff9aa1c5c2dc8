-- Late fees (滞纳金). Off by default: an estate without a policy row, or
-- with enabled false, charges none. rate_ppm is millionths of the amount
-- per day (0.03% a day is 300); grace_days are the days after a bill's
-- due date it may be paid without a late fee; cap_percent (of the bill's
-- amount) and cap_fen bound a bill's late fees, 0 meaning no such cap.
-- See docs/fees.md.
CREATE TABLE fee_late_policies (
    tenant_id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    enabled boolean NOT NULL DEFAULT false,
    rate_ppm bigint NOT NULL DEFAULT 0,
    grace_days integer NOT NULL DEFAULT 0,
    cap_percent integer NOT NULL DEFAULT 0,
    cap_fen bigint NOT NULL DEFAULT 0,
    updated_by {{.UUID}},
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, estate_id),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id)
);
--bun:split

-- A late fee charged with a payment: one row per payment and bill it
-- settled late, so a late fee is charged exactly once with the money (a
-- replayed payment makes none). computed_fen is the fee after the cap,
-- waived_fen what approved late-fee waivers took off it, amount_fen what
-- was paid. A voided payment voids its late fees.
CREATE TABLE fee_late_charges (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    payment_id {{.UUID}} NOT NULL,
    bill_id {{.UUID}} NOT NULL,
    days integer NOT NULL,
    rate_ppm bigint NOT NULL,
    base_fen bigint NOT NULL,
    computed_fen bigint NOT NULL,
    waived_fen bigint NOT NULL,
    amount_fen bigint NOT NULL,
    at {{.TS}} NOT NULL,
    voided_at {{.TS}},
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, payment_id, bill_id),
    FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id),
    FOREIGN KEY (tenant_id, bill_id) REFERENCES bills (tenant_id, id)
);
--bun:split
CREATE INDEX fee_late_charges_bill_idx ON fee_late_charges (tenant_id, bill_id);
--bun:split
-- The part of a payment that paid late fees (within amount_fen).
ALTER TABLE payments ADD COLUMN late_fee_fen bigint NOT NULL DEFAULT 0;
--bun:split
-- A waiver of a bill's late fee rather than of the bill: approved, it
-- takes its amount off the late fees charged on the bill from then on.
ALTER TABLE waivers ADD COLUMN late_fee boolean NOT NULL DEFAULT false;
{{if .PG}}
--bun:split
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['fee_late_policies', 'fee_late_charges'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (estatedesk_tenant_visible(tenant_id)) WITH CHECK (estatedesk_tenant_visible(tenant_id))', t);
    END LOOP;
END
$$;
{{end}}
