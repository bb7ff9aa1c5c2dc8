-- Fees (收费): fee items and their rates, meter readings, parking spaces,
-- billing runs, bills, counter payments with gap-free receipts, prepaid
-- balances and waivers. See docs/fees.md.
--
-- Money is integer fen (bigint, 分). Prices are hundredths of a fen per unit
-- of measure per month (price_centi: ¥2.35/m²/month is 23500), quantities
-- hundredths of the unit of measure (m², m³, kWh, or 100 per unit or
-- space), so quantity × price ÷ 10,000 is fen, rounded half away from zero
-- once per bill. Dates are ISO text (YYYY-MM-DD) in the tenant's time zone,
-- as in the estate calendar.

-- A fee item (收费项目) of an estate and how it is calculated: by the unit's
-- area, a fixed amount per unit or per parking space, by meter reading, or
-- as a one-off charge. vacant_percent is the share a vacant unit pays of
-- area and per-unit items (100: the full fee; 0: nothing).
CREATE TABLE fee_items (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    cycle text NOT NULL DEFAULT 'monthly',
    due_day integer NOT NULL DEFAULT 15,
    vacant_percent integer NOT NULL DEFAULT 100,
    refundable boolean NOT NULL DEFAULT false,
    sort_order integer NOT NULL DEFAULT 0,
    archived_at {{.TS}},
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, estate_id, name),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id)
);
--bun:split

-- A price of an item from a date on, for one unit kind or for all (''):
-- a period is billed at the rate in force on its first day, so a new rate
-- never rewrites a bill. tiers (JSON, meter items) price the consumption
-- above each threshold.
CREATE TABLE fee_rates (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    item_id {{.UUID}} NOT NULL,
    unit_kind text NOT NULL DEFAULT '',
    effective_from text NOT NULL,
    price_centi bigint NOT NULL,
    tiers text NOT NULL DEFAULT '',
    created_by {{.UUID}},
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, item_id, unit_kind, effective_from),
    FOREIGN KEY (tenant_id, item_id) REFERENCES fee_items (tenant_id, id)
);
--bun:split

-- The day from which a unit is charged (handover, move-in); a unit without
-- a row is charged for whole periods.
CREATE TABLE fee_unit_starts (
    tenant_id {{.UUID}} NOT NULL,
    unit_id {{.UUID}} NOT NULL,
    charged_from text NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, unit_id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id)
);
--bun:split

-- Parking spaces (车位), linked to the unit that pays for them and/or a person.
CREATE TABLE parking_spaces (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    code text NOT NULL,
    unit_id {{.UUID}},
    person_id {{.UUID}},
    archived_at {{.TS}},
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, estate_id, code),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES persons (tenant_id, id)
);
--bun:split
CREATE INDEX parking_spaces_unit_idx ON parking_spaces (tenant_id, unit_id);
--bun:split

-- Meter readings (抄表), one per unit, meter item and period. previous_centi
-- is the reading the consumption counts from: the last one, or the new
-- meter's start when it was replaced.
CREATE TABLE meter_readings (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    unit_id {{.UUID}} NOT NULL,
    item_id {{.UUID}} NOT NULL,
    period text NOT NULL,
    reading_centi bigint NOT NULL,
    previous_centi bigint NOT NULL,
    replaced boolean NOT NULL DEFAULT false,
    read_on text NOT NULL,
    recorded_by {{.UUID}},
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, unit_id, item_id, period),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
    FOREIGN KEY (tenant_id, item_id) REFERENCES fee_items (tenant_id, id)
);
--bun:split

-- A billing run of an estate and period, its progress and outcome.
-- summary holds the counts and totals by building and item (JSON).
CREATE TABLE billing_runs (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    period text NOT NULL,
    status text NOT NULL,
    planned integer NOT NULL DEFAULT 0,
    done integer NOT NULL DEFAULT 0,
    created integer NOT NULL DEFAULT 0,
    existing integer NOT NULL DEFAULT 0,
    total_fen bigint NOT NULL DEFAULT 0,
    summary text NOT NULL DEFAULT '',
    error text NOT NULL DEFAULT '',
    created_by {{.UUID}},
    created_at {{.TS}} NOT NULL,
    finished_at {{.TS}},
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id)
);
--bun:split
CREATE INDEX billing_runs_estate_idx ON billing_runs (tenant_id, estate_id, created_at);
--bun:split

-- A receivable (应收) of a unit for an item and period. The unique key
-- makes a second run of the same period create nothing.
CREATE TABLE bills (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    building_id {{.UUID}} NOT NULL,
    unit_id {{.UUID}} NOT NULL,
    item_id {{.UUID}} NOT NULL,
    period text NOT NULL,
    period_start text NOT NULL,
    period_end text NOT NULL,
    quantity_centi bigint NOT NULL DEFAULT 0,
    price_centi bigint NOT NULL DEFAULT 0,
    amount_fen bigint NOT NULL,
    paid_fen bigint NOT NULL DEFAULT 0,
    waived_fen bigint NOT NULL DEFAULT 0,
    due_date text NOT NULL,
    status text NOT NULL,
    run_id {{.UUID}},
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, unit_id, item_id, period),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id),
    FOREIGN KEY (tenant_id, building_id) REFERENCES buildings (tenant_id, id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
    FOREIGN KEY (tenant_id, item_id) REFERENCES fee_items (tenant_id, id),
    FOREIGN KEY (tenant_id, run_id) REFERENCES billing_runs (tenant_id, id)
);
--bun:split
CREATE INDEX bills_unit_idx ON bills (tenant_id, unit_id, status, period_start);
--bun:split
CREATE INDEX bills_estate_due_idx ON bills (tenant_id, estate_id, status, due_date);
--bun:split
CREATE INDEX bills_estate_period_idx ON bills (tenant_id, estate_id, period_start);
--bun:split
CREATE INDEX bills_run_idx ON bills (tenant_id, run_id);
--bun:split

-- Receipt numbers (SK2026-000123) come from this row per tenant and year,
-- advanced in the payment's transaction: no gaps, none used twice.
CREATE TABLE fee_receipt_counters (
    tenant_id {{.UUID}} NOT NULL REFERENCES tenants (id),
    year text NOT NULL,
    next_seq bigint NOT NULL,
    PRIMARY KEY (tenant_id, year)
);
--bun:split

-- A payment at the counter. The money moves outside the system; method
-- records how. A wrong payment is voided (红冲), never deleted.
CREATE TABLE payments (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    receipt_no text NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    unit_id {{.UUID}} NOT NULL,
    method text NOT NULL,
    amount_fen bigint NOT NULL,
    prepaid_fen bigint NOT NULL DEFAULT 0,
    clerk_id {{.UUID}} NOT NULL,
    idempotency_key text,
    request_hash text NOT NULL DEFAULT '',
    paid_at {{.TS}} NOT NULL,
    voided_at {{.TS}},
    voided_by {{.UUID}},
    void_reason text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, receipt_no),
    UNIQUE (tenant_id, clerk_id, idempotency_key),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id)
);
--bun:split
CREATE INDEX payments_unit_idx ON payments (tenant_id, unit_id, paid_at);
--bun:split
CREATE INDEX payments_estate_idx ON payments (tenant_id, estate_id, paid_at);
--bun:split

-- What settled a bill: a payment's money, or the unit's prepaid balance
-- (payment_id null). A void marks them, it deletes nothing.
CREATE TABLE payment_allocations (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    bill_id {{.UUID}} NOT NULL,
    payment_id {{.UUID}},
    source text NOT NULL,
    amount_fen bigint NOT NULL,
    at {{.TS}} NOT NULL,
    voided_at {{.TS}},
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, bill_id) REFERENCES bills (tenant_id, id),
    FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id)
);
--bun:split
CREATE INDEX payment_allocations_bill_idx ON payment_allocations (tenant_id, bill_id);
--bun:split
CREATE INDEX payment_allocations_payment_idx ON payment_allocations (tenant_id, payment_id);
--bun:split

-- A unit's prepaid balance (预存款). Its row is also the unit's lock:
-- payments, voids and runs of a unit take it first, one after another.
CREATE TABLE unit_balances (
    tenant_id {{.UUID}} NOT NULL,
    unit_id {{.UUID}} NOT NULL,
    balance_fen bigint NOT NULL DEFAULT 0,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, unit_id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id)
);
--bun:split

-- Every change of a prepaid balance, signed, with the balance after it.
CREATE TABLE balance_movements (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    unit_id {{.UUID}} NOT NULL,
    kind text NOT NULL,
    amount_fen bigint NOT NULL,
    balance_fen bigint NOT NULL,
    payment_id {{.UUID}},
    bill_id {{.UUID}},
    by_id {{.UUID}},
    at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
    FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id),
    FOREIGN KEY (tenant_id, bill_id) REFERENCES bills (tenant_id, id)
);
--bun:split
CREATE INDEX balance_movements_unit_idx ON balance_movements (tenant_id, unit_id, at);
--bun:split

-- Waivers and discounts (减免): requested with a reason, then approved or
-- rejected by someone else (or an office head or manager).
CREATE TABLE waivers (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    bill_id {{.UUID}} NOT NULL,
    amount_fen bigint NOT NULL,
    reason text NOT NULL,
    status text NOT NULL,
    requested_by {{.UUID}} NOT NULL,
    requested_at {{.TS}} NOT NULL,
    approved_by {{.UUID}},
    decided_at {{.TS}},
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, bill_id) REFERENCES bills (tenant_id, id)
);
--bun:split
CREATE INDEX waivers_bill_idx ON waivers (tenant_id, bill_id);
{{if .PG}}
--bun:split
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['fee_items', 'fee_rates', 'fee_unit_starts', 'parking_spaces', 'meter_readings', 'billing_runs', 'bills', 'fee_receipt_counters', 'payments', 'payment_allocations', 'unit_balances', 'balance_movements', 'waivers'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (estatedesk_tenant_visible(tenant_id)) WITH CHECK (estatedesk_tenant_visible(tenant_id))', t);
    END LOOP;
END
$$;
{{end}}
