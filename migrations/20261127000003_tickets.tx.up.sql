-- Tickets (工单): intake, dispatch, deadlines, escalation, call-backs, and
-- the per-tenant configuration they follow; outgoing webhooks.

-- The category tree (e.g. 维修 › 水电 › 漏水). A tenant without categories
-- gets the default tree on first use.
CREATE TABLE ticket_categories (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    parent_id {{.UUID}},
    name text NOT NULL,
    sort_order integer NOT NULL DEFAULT 0,
    archived_at {{.TS}},
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES ticket_categories (tenant_id, id)
);
--bun:split

-- Deadlines by type × category × priority; an empty type or a null
-- category matches any. The most specific row wins; without rows the
-- built-in defaults apply. Minutes are open (business) minutes, except for
-- emergencies, which count around the clock.
CREATE TABLE sla_policies (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    type text NOT NULL DEFAULT '',
    category_id {{.UUID}},
    priority text NOT NULL,
    response_minutes integer NOT NULL,
    resolve_minutes integer NOT NULL,
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, category_id) REFERENCES ticket_categories (tenant_id, id)
);
--bun:split

-- Dispatch rules: estate × category → team, with the mode used inside the
-- team. A rule for a category also covers its subcategories; a null
-- category is the estate's fallback.
CREATE TABLE dispatch_rules (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    category_id {{.UUID}},
    team_id {{.UUID}} NOT NULL,
    mode text NOT NULL DEFAULT 'direct',
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id),
    FOREIGN KEY (tenant_id, category_id) REFERENCES ticket_categories (tenant_id, id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);
--bun:split
CREATE INDEX dispatch_rules_estate_idx ON dispatch_rules (tenant_id, estate_id);
--bun:split

-- Round-robin among members on duty picks the one assigned longest ago.
ALTER TABLE team_members ADD COLUMN on_duty boolean NOT NULL DEFAULT true;
--bun:split
ALTER TABLE team_members ADD COLUMN last_assigned_at {{.TS}};
--bun:split

-- Escalation ladder: when trigger happens (warning before the resolution
-- deadline, the breach of it, or a complaint marked major), after_minutes
-- later notify a role of the ticket's estate and/or a list of addresses.
-- Without rows the built-in ladder applies.
CREATE TABLE escalation_levels (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    position integer NOT NULL,
    trigger text NOT NULL,
    after_minutes integer NOT NULL DEFAULT 0,
    notify_role text NOT NULL DEFAULT '',
    notify_emails text NOT NULL DEFAULT '',
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
--bun:split

-- One row per tenant once it changes a default.
CREATE TABLE ticket_settings (
    tenant_id {{.UUID}} NOT NULL REFERENCES tenants (id),
    callback_types text NOT NULL,
    callback_max_attempts integer NOT NULL,
    callback_retry_minutes integer NOT NULL,
    followup_days integer NOT NULL,
    warn_percent integer NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id)
);
--bun:split

-- Ticket numbers are handed out in blocks: a create locks this row only
-- once per block, so creates in one tenant do not queue behind one
-- counter. Numbers increase and are never reused; a block left unused by a
-- stopped process leaves a gap.
CREATE TABLE ticket_counters (
    tenant_id {{.UUID}} NOT NULL REFERENCES tenants (id),
    day text NOT NULL,
    next_seq bigint NOT NULL,
    PRIMARY KEY (tenant_id, day)
);
--bun:split

CREATE TABLE tickets (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    number text NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    unit_id {{.UUID}},
    person_id {{.UUID}},
    caller_name text NOT NULL DEFAULT '',
    caller_phone text NOT NULL DEFAULT '',
    channel text NOT NULL,
    type text NOT NULL,
    category_id {{.UUID}},
    priority text NOT NULL,
    major boolean NOT NULL DEFAULT false,
    status text NOT NULL,
    description text NOT NULL,
    preferred_time text NOT NULL DEFAULT '',
    received_by {{.UUID}} NOT NULL,
    created_by {{.UUID}} NOT NULL,
    team_id {{.UUID}},
    assignee_id {{.UUID}},
    dispatch_mode text NOT NULL DEFAULT '',
    sla_gen integer NOT NULL DEFAULT 0,
    response_due {{.TS}},
    resolve_due {{.TS}},
    responded_at {{.TS}},
    completed_at {{.TS}},
    closed_at {{.TS}},
    hold_since {{.TS}},
    warned_at {{.TS}},
    response_breached_at {{.TS}},
    resolve_breached_at {{.TS}},
    callback_state text NOT NULL DEFAULT '',
    callback_due {{.TS}},
    callback_attempts integer NOT NULL DEFAULT 0,
    followed_up_at {{.TS}},
    followup_missed boolean NOT NULL DEFAULT false,
    satisfaction integer NOT NULL DEFAULT 0,
    reopen_count integer NOT NULL DEFAULT 0,
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES persons (tenant_id, id),
    FOREIGN KEY (tenant_id, category_id) REFERENCES ticket_categories (tenant_id, id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);
--bun:split
CREATE INDEX tickets_created_idx ON tickets (tenant_id, created_at, id);
--bun:split
CREATE INDEX tickets_estate_idx ON tickets (tenant_id, estate_id, created_at, id);
--bun:split
CREATE INDEX tickets_status_idx ON tickets (tenant_id, status, created_at, id);
--bun:split
CREATE INDEX tickets_team_idx ON tickets (tenant_id, team_id, status);
--bun:split
CREATE INDEX tickets_assignee_idx ON tickets (tenant_id, assignee_id, status);
--bun:split
CREATE INDEX tickets_unit_idx ON tickets (tenant_id, unit_id, created_at);
--bun:split
CREATE INDEX tickets_person_idx ON tickets (tenant_id, person_id, created_at);
--bun:split
CREATE INDEX tickets_due_idx ON tickets (tenant_id, resolve_due);
--bun:split
CREATE INDEX tickets_callback_idx ON tickets (tenant_id, callback_state, callback_due);
--bun:split

-- The timeline: every transition, comment, escalation and call-back, with
-- who (null: the system), when and why.
CREATE TABLE ticket_events (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    ticket_id {{.UUID}} NOT NULL,
    at {{.TS}} NOT NULL,
    actor_id {{.UUID}},
    kind text NOT NULL,
    from_status text NOT NULL DEFAULT '',
    to_status text NOT NULL DEFAULT '',
    body text NOT NULL DEFAULT '',
    owner_visible boolean NOT NULL DEFAULT false,
    data text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX ticket_events_ticket_idx ON ticket_events (tenant_id, ticket_id, at);
--bun:split

-- Photos and files; the bytes live under the data directory at
-- attachments/<tenant>/<id>.
CREATE TABLE ticket_attachments (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    ticket_id {{.UUID}} NOT NULL,
    event_id {{.UUID}},
    filename text NOT NULL,
    content_type text NOT NULL,
    size bigint NOT NULL,
    sha256 text NOT NULL,
    uploaded_by {{.UUID}} NOT NULL,
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX ticket_attachments_ticket_idx ON ticket_attachments (tenant_id, ticket_id);
--bun:split

-- Call-back attempts (回访): reached or not, and the owner's scores.
CREATE TABLE ticket_callbacks (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    ticket_id {{.UUID}} NOT NULL,
    attempt integer NOT NULL,
    reached boolean NOT NULL,
    overall integer NOT NULL DEFAULT 0,
    speed integer NOT NULL DEFAULT 0,
    attitude integer NOT NULL DEFAULT 0,
    comment text NOT NULL DEFAULT '',
    by_id {{.UUID}} NOT NULL,
    at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX ticket_callbacks_ticket_idx ON ticket_callbacks (tenant_id, ticket_id);
--bun:split

-- An API create with an Idempotency-Key is recorded with the ticket in one
-- transaction: a retry finds the ticket instead of making a second one.
CREATE TABLE ticket_idempotency (
    tenant_id {{.UUID}} NOT NULL,
    user_id {{.UUID}} NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    ticket_id {{.UUID}} NOT NULL,
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, user_id, key)
);
--bun:split

-- In-app notifications (escalations, reopened tickets).
CREATE TABLE notifications (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    user_id {{.UUID}} NOT NULL,
    ticket_id {{.UUID}},
    kind text NOT NULL,
    body text NOT NULL DEFAULT '',
    created_at {{.TS}} NOT NULL,
    read_at {{.TS}},
    PRIMARY KEY (tenant_id, id)
);
--bun:split
CREATE INDEX notifications_user_idx ON notifications (tenant_id, user_id, created_at);
--bun:split

-- Outgoing webhooks, signed with the secret (HMAC-SHA256), and the log of
-- their deliveries.
CREATE TABLE webhooks (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    url text NOT NULL,
    secret text NOT NULL,
    events text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
--bun:split
CREATE TABLE webhook_deliveries (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    webhook_id {{.UUID}} NOT NULL,
    event text NOT NULL,
    payload text NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    response_code integer NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '',
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX webhook_deliveries_hook_idx ON webhook_deliveries (tenant_id, webhook_id, created_at);
{{if .PG}}
--bun:split
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['ticket_categories', 'sla_policies', 'dispatch_rules', 'escalation_levels', 'ticket_settings', 'ticket_counters', 'tickets', 'ticket_events', 'ticket_attachments', 'ticket_callbacks', 'ticket_idempotency', 'notifications', 'webhooks', 'webhook_deliveries'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (estatedesk_tenant_visible(tenant_id)) WITH CHECK (estatedesk_tenant_visible(tenant_id))', t);
    END LOOP;
END
$$;
{{end}}
