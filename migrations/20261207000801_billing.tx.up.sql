-- Sign-up and subscriptions (docs/billing.md). A company's access follows
-- tenants.status; this is the billing state that moves it.

-- The end of a company's trial, on the tenant row because every request
-- reads that row anyway (the trial banner).
ALTER TABLE tenants ADD COLUMN trial_ends_at {{.TS}};
--bun:split

-- A person who signed up themselves has not yet proved their address;
-- invited staff proved it by opening the invitation link.
ALTER TABLE users ADD COLUMN email_unconfirmed boolean NOT NULL DEFAULT false;
--bun:split

CREATE TABLE email_confirmations (
    token_hash text PRIMARY KEY,
    user_id {{.UUID}} NOT NULL REFERENCES users (id),
    email text NOT NULL,
    created_at {{.TS}} NOT NULL,
    expires_at {{.TS}} NOT NULL,
    used_at {{.TS}}
);
--bun:split

-- Sign-ups per client address, counted like failed sign-ins.
CREATE TABLE signup_attempts (
    id {{.UUID}} PRIMARY KEY,
    ip text NOT NULL,
    created_at {{.TS}} NOT NULL
);
--bun:split
CREATE INDEX signup_attempts_ip_idx ON signup_attempts (ip, created_at);
--bun:split

-- One row per company. state_at is the creation time of the newest Stripe
-- event applied: an older event arriving later changes nothing.
CREATE TABLE subscriptions (
    tenant_id {{.UUID}} NOT NULL REFERENCES tenants (id),
    stripe_customer_id text,
    stripe_subscription_id text,
    stripe_status text NOT NULL DEFAULT '',
    state_at {{.TS}},
    current_period_end {{.TS}},
    cancel_at_period_end boolean NOT NULL DEFAULT false,
    grace_ends_at {{.TS}},
    complimentary boolean NOT NULL DEFAULT false,
    trial_reminded integer NOT NULL DEFAULT 0,
    plan_changes integer NOT NULL DEFAULT 0,
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id)
);
--bun:split
CREATE UNIQUE INDEX subscriptions_customer_key ON subscriptions (stripe_customer_id);
--bun:split

-- Invoices as Stripe's webhooks report them; the billing page lists them
-- without calling Stripe.
CREATE TABLE stripe_invoices (
    tenant_id {{.UUID}} NOT NULL REFERENCES tenants (id),
    id text NOT NULL,
    number text NOT NULL DEFAULT '',
    status text NOT NULL,
    amount_due bigint NOT NULL,
    amount_paid bigint NOT NULL,
    currency text NOT NULL,
    hosted_url text NOT NULL DEFAULT '',
    created_at {{.TS}} NOT NULL,
    state_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
--bun:split

-- Every Stripe event, by its ID, written in the transaction of its effect:
-- a redelivery finds its row and does nothing.
CREATE TABLE stripe_events (
    id text PRIMARY KEY,
    type text NOT NULL,
    created_at {{.TS}} NOT NULL,
    received_at {{.TS}} NOT NULL
);
--bun:split

-- Who changed a company's billing by hand (the platform console).
CREATE TABLE billing_changes (
    tenant_id {{.UUID}} NOT NULL REFERENCES tenants (id),
    id {{.UUID}} NOT NULL,
    actor_id {{.UUID}},
    kind text NOT NULL,
    detail text NOT NULL DEFAULT '',
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
{{if .PG}}
--bun:split
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['subscriptions', 'stripe_invoices', 'billing_changes'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (estatedesk_tenant_visible(tenant_id)) WITH CHECK (estatedesk_tenant_visible(tenant_id))', t);
    END LOOP;
END
$$;
{{end}}
