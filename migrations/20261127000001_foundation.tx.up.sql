-- Foundation: tenants, people, memberships, roles, sessions, estates (minimal).
-- Rendered as a Go template: {{.UUID}} and {{.TS}} are the dialect's types.

CREATE TABLE tenants (
    id {{.UUID}} PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    status text NOT NULL DEFAULT 'trialing',
    time_zone text NOT NULL DEFAULT 'Asia/Shanghai',
    plan text NOT NULL DEFAULT 'starter',
    rbac_version bigint NOT NULL DEFAULT 0,
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL
);
--bun:split

CREATE TABLE users (
    id {{.UUID}} PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text NOT NULL DEFAULT '',
    password_hash text NOT NULL DEFAULT '',
    locale text NOT NULL DEFAULT '',
    platform_admin boolean NOT NULL DEFAULT false,
    disabled_at {{.TS}},
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL
);
--bun:split

CREATE TABLE memberships (
    tenant_id {{.UUID}} NOT NULL REFERENCES tenants (id),
    id {{.UUID}} NOT NULL,
    user_id {{.UUID}} NOT NULL REFERENCES users (id),
    disabled_at {{.TS}},
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, user_id)
);
--bun:split
CREATE INDEX memberships_user_idx ON memberships (user_id);
--bun:split

-- The user->role assignments that casbin loads as its "g" rules (domain = tenant).
CREATE TABLE membership_roles (
    tenant_id {{.UUID}} NOT NULL,
    user_id {{.UUID}} NOT NULL,
    role text NOT NULL,
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, user_id, role),
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);
--bun:split

CREATE TABLE estates (
    tenant_id {{.UUID}} NOT NULL REFERENCES tenants (id),
    id {{.UUID}} NOT NULL,
    name text NOT NULL,
    archived_at {{.TS}},
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
--bun:split

-- Estate scope of office heads, clerks, team leaders and workers.
CREATE TABLE staff_estates (
    tenant_id {{.UUID}} NOT NULL,
    user_id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    PRIMARY KEY (tenant_id, user_id, estate_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id)
);
--bun:split

CREATE TABLE invitations (
    tenant_id {{.UUID}} NOT NULL REFERENCES tenants (id),
    id {{.UUID}} NOT NULL,
    email text NOT NULL,
    name text NOT NULL DEFAULT '',
    roles text NOT NULL,
    estate_ids text NOT NULL DEFAULT '',
    token_hash text NOT NULL UNIQUE,
    invited_by {{.UUID}} REFERENCES users (id),
    created_at {{.TS}} NOT NULL,
    expires_at {{.TS}} NOT NULL,
    accepted_at {{.TS}},
    revoked_at {{.TS}},
    PRIMARY KEY (tenant_id, id)
);
--bun:split

-- Sessions belong to a person, not to a company: one sign-in serves every
-- workspace the person is a member of. The token itself is never stored.
CREATE TABLE sessions (
    id {{.UUID}} PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    user_id {{.UUID}} NOT NULL REFERENCES users (id),
    kind text NOT NULL,
    csrf_token text NOT NULL,
    user_agent text NOT NULL DEFAULT '',
    ip text NOT NULL DEFAULT '',
    created_at {{.TS}} NOT NULL,
    last_seen_at {{.TS}} NOT NULL,
    expires_at {{.TS}} NOT NULL,
    revoked_at {{.TS}}
);
--bun:split
CREATE INDEX sessions_user_idx ON sessions (user_id);
--bun:split

CREATE TABLE password_resets (
    id {{.UUID}} PRIMARY KEY,
    user_id {{.UUID}} NOT NULL REFERENCES users (id),
    token_hash text NOT NULL UNIQUE,
    created_at {{.TS}} NOT NULL,
    expires_at {{.TS}} NOT NULL,
    used_at {{.TS}}
);
--bun:split

-- Failed sign-ins, counted per account and per client address for throttling.
-- Kept in the database so that every replica sees the same count.
CREATE TABLE login_failures (
    id {{.UUID}} PRIMARY KEY,
    email text NOT NULL,
    ip text NOT NULL,
    created_at {{.TS}} NOT NULL
);
--bun:split
CREATE INDEX login_failures_email_idx ON login_failures (email, created_at);
--bun:split
CREATE INDEX login_failures_ip_idx ON login_failures (ip, created_at);
{{if .PG}}
--bun:split

-- Row-level security: the second wall behind the explicit tenant argument.
-- The application works as estatedesk_app, which owns nothing and cannot
-- bypass policies. A transaction sees one tenant (app.tenant_id) unless it
-- declared itself platform-wide (app.platform = 'on') for sign-in and the
-- platform console.
DO $$
BEGIN
    CREATE ROLE estatedesk_app NOLOGIN NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
--bun:split
DO $$
BEGIN
    EXECUTE format('GRANT estatedesk_app TO %I', current_user);
EXCEPTION WHEN others THEN NULL;
END
$$;
--bun:split
GRANT USAGE ON SCHEMA public TO estatedesk_app;
--bun:split
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO estatedesk_app;
--bun:split
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO estatedesk_app;
--bun:split
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO estatedesk_app;
--bun:split
CREATE FUNCTION estatedesk_tenant_visible(t uuid) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT t = NULLIF(current_setting('app.tenant_id', true), '')::uuid
        OR current_setting('app.platform', true) = 'on'
$$;
--bun:split
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['memberships', 'membership_roles', 'estates', 'staff_estates', 'invitations'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (estatedesk_tenant_visible(tenant_id)) WITH CHECK (estatedesk_tenant_visible(tenant_id))', t);
    END LOOP;
END
$$;
{{end}}
