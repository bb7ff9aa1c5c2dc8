-- The residents' portal (docs/portal.md): one-time sign-in codes sent by
-- SMS, and residents' sessions. A resident is a mobile number of the
-- company's people; their sessions are the company's rows, apart from
-- staff sessions, so that neither can stand for the other.

-- Every code request is a row, known number or not, so that throttling
-- (per number, per address) says nothing about which numbers are known.
-- code_hash is '' when the number is not linked to a unit: nothing was sent.
CREATE TABLE resident_codes (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    phone text NOT NULL,
    ip text NOT NULL DEFAULT '',
    code_hash text NOT NULL DEFAULT '',
    attempts integer NOT NULL DEFAULT 0,
    created_at {{.TS}} NOT NULL,
    expires_at {{.TS}} NOT NULL,
    used_at {{.TS}},
    PRIMARY KEY (tenant_id, id)
);
--bun:split
CREATE INDEX resident_codes_phone_idx ON resident_codes (tenant_id, phone, created_at);
--bun:split
CREATE INDEX resident_codes_ip_idx ON resident_codes (tenant_id, ip, created_at);
--bun:split

-- A signed-in phone, keyed by the SHA-256 of its token like staff sessions.
CREATE TABLE resident_sessions (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    token_hash text NOT NULL,
    phone text NOT NULL,
    csrf_token text NOT NULL,
    user_agent text NOT NULL DEFAULT '',
    ip text NOT NULL DEFAULT '',
    created_at {{.TS}} NOT NULL,
    last_seen_at {{.TS}} NOT NULL,
    expires_at {{.TS}} NOT NULL,
    revoked_at {{.TS}},
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash)
);
--bun:split
CREATE INDEX resident_sessions_phone_idx ON resident_sessions (tenant_id, phone, created_at);
{{if .PG}}
--bun:split
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['resident_codes', 'resident_sessions'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (estatedesk_tenant_visible(tenant_id)) WITH CHECK (estatedesk_tenant_visible(tenant_id))', t);
    END LOOP;
END
$$;
{{end}}
