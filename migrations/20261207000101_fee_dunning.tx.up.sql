-- Collection (催缴): reminder batches, each reminder sent to a unit, and
-- the contact attempts the collectors record on a unit. See docs/fees.md.

-- A batch of reminders (催缴批次): the arrears list's filters it was made
-- from, its progress and outcome. The job sends one message per unit.
-- idempotency_key makes a retried request answer the first batch.
CREATE TABLE fee_reminder_batches (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    building_id {{.UUID}},
    item_id {{.UUID}},
    age text NOT NULL DEFAULT '',
    min_fen bigint NOT NULL DEFAULT 0,
    as_of text NOT NULL,
    status text NOT NULL,
    planned integer NOT NULL DEFAULT 0,
    done integer NOT NULL DEFAULT 0,
    sent integer NOT NULL DEFAULT 0,
    logged integer NOT NULL DEFAULT 0,
    failed integer NOT NULL DEFAULT 0,
    settled integer NOT NULL DEFAULT 0,
    total_fen bigint NOT NULL DEFAULT 0,
    error text NOT NULL DEFAULT '',
    created_by {{.UUID}} NOT NULL,
    idempotency_key text,
    request_hash text NOT NULL DEFAULT '',
    created_at {{.TS}} NOT NULL,
    finished_at {{.TS}},
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, created_by, idempotency_key),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id)
);
--bun:split
CREATE INDEX fee_reminder_batches_estate_idx ON fee_reminder_batches (tenant_id, estate_id, created_at);
--bun:split

-- One reminder of a batch to one unit: what the unit owed when the batch
-- was made, then the channel and recipient that took the message, or why
-- none did. The unit's account lists them.
CREATE TABLE fee_reminders (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    batch_id {{.UUID}} NOT NULL,
    unit_id {{.UUID}} NOT NULL,
    bills integer NOT NULL DEFAULT 0,
    total_fen bigint NOT NULL DEFAULT 0,
    oldest_due text NOT NULL DEFAULT '',
    status text NOT NULL,
    channel text NOT NULL DEFAULT '',
    recipient text NOT NULL DEFAULT '',
    sent_fen bigint NOT NULL DEFAULT 0,
    error text NOT NULL DEFAULT '',
    created_at {{.TS}} NOT NULL,
    sent_at {{.TS}},
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, batch_id, unit_id),
    FOREIGN KEY (tenant_id, batch_id) REFERENCES fee_reminder_batches (tenant_id, id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id)
);
--bun:split
CREATE INDEX fee_reminders_unit_idx ON fee_reminders (tenant_id, unit_id, created_at);
--bun:split

-- A contact attempt on a unit in arrears: called, promised to pay on a
-- day, refused, no answer; with a note, who and when.
CREATE TABLE fee_contacts (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    unit_id {{.UUID}} NOT NULL,
    outcome text NOT NULL,
    promised_on text NOT NULL DEFAULT '',
    note text NOT NULL DEFAULT '',
    created_by {{.UUID}} NOT NULL,
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id)
);
--bun:split
CREATE INDEX fee_contacts_unit_idx ON fee_contacts (tenant_id, unit_id, created_at);
{{if .PG}}
--bun:split
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['fee_reminder_batches', 'fee_reminders', 'fee_contacts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (estatedesk_tenant_visible(tenant_id)) WITH CHECK (estatedesk_tenant_visible(tenant_id))', t);
    END LOOP;
END
$$;
{{end}}
