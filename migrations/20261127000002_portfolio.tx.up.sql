-- Portfolio: estate details and calendars, buildings, units, people, teams, imports.
-- Areas are integer hundredths of a square metre; dates of the calendar are
-- ISO text (YYYY-MM-DD) in the estate's (tenant's) time zone.

ALTER TABLE estates ADD COLUMN address text NOT NULL DEFAULT '';
--bun:split
ALTER TABLE estates ADD COLUMN office_phone text NOT NULL DEFAULT '';
--bun:split
-- Business hours per weekday as JSON: {"1":[["08:30","17:30"]], …}, 0 = Sunday.
ALTER TABLE estates ADD COLUMN business_hours text NOT NULL DEFAULT '';
--bun:split

-- Holidays close an estate's office on a working day; make-up days (调休)
-- open it on a weekend.
CREATE TABLE estate_calendar_days (
    tenant_id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    day text NOT NULL,
    kind text NOT NULL,
    name text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, estate_id, day),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id) ON DELETE CASCADE
);
--bun:split

CREATE TABLE buildings (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    name text NOT NULL,
    floors integer NOT NULL DEFAULT 0,
    sort_order integer NOT NULL DEFAULT 0,
    archived_at {{.TS}},
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, estate_id, name),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id)
);
--bun:split

-- A unit is addressed building-entrance-number (栋-单元-房号), e.g. 3-2-1502;
-- code holds that address for exact look-ups.
CREATE TABLE units (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    building_id {{.UUID}} NOT NULL,
    entrance text NOT NULL DEFAULT '',
    floor integer NOT NULL,
    number text NOT NULL,
    code text NOT NULL,
    kind text NOT NULL DEFAULT 'home',
    area_centi bigint NOT NULL DEFAULT 0,
    status text NOT NULL DEFAULT 'vacant',
    archived_at {{.TS}},
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, building_id, entrance, number),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id),
    FOREIGN KEY (tenant_id, building_id) REFERENCES buildings (tenant_id, id)
);
--bun:split
CREATE INDEX units_code_idx ON units (tenant_id, code);
--bun:split
CREATE INDEX units_number_idx ON units (tenant_id, number);
--bun:split
CREATE INDEX units_building_idx ON units (tenant_id, building_id, floor);
--bun:split

-- Owners and residents. No national ID numbers are kept, by design.
CREATE TABLE persons (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    name text NOT NULL,
    email text NOT NULL DEFAULT '',
    notes text NOT NULL DEFAULT '',
    archived_at {{.TS}},
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
--bun:split
CREATE INDEX persons_name_idx ON persons (tenant_id, name);
--bun:split

-- Phones in their own table so that a clerk finds a caller by the full
-- number or by its last four digits, whichever the caller gives.
CREATE TABLE person_phones (
    tenant_id {{.UUID}} NOT NULL,
    person_id {{.UUID}} NOT NULL,
    phone text NOT NULL,
    last4 text NOT NULL,
    position integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, person_id, phone),
    FOREIGN KEY (tenant_id, person_id) REFERENCES persons (tenant_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX person_phones_phone_idx ON person_phones (tenant_id, phone);
--bun:split
CREATE INDEX person_phones_last4_idx ON person_phones (tenant_id, last4);
--bun:split

CREATE TABLE unit_persons (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    unit_id {{.UUID}} NOT NULL,
    person_id {{.UUID}} NOT NULL,
    relation text NOT NULL,
    primary_contact boolean NOT NULL DEFAULT false,
    from_date text NOT NULL DEFAULT '',
    to_date text NOT NULL DEFAULT '',
    created_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, unit_id, person_id, relation),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES persons (tenant_id, id)
);
--bun:split
CREATE INDEX unit_persons_person_idx ON unit_persons (tenant_id, person_id);
--bun:split

CREATE TABLE teams (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    kind text NOT NULL,
    name text NOT NULL,
    leader_id {{.UUID}},
    archived_at {{.TS}},
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, estate_id, name),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id),
    FOREIGN KEY (tenant_id, leader_id) REFERENCES memberships (tenant_id, user_id)
);
--bun:split

CREATE TABLE team_members (
    tenant_id {{.UUID}} NOT NULL,
    team_id {{.UUID}} NOT NULL,
    user_id {{.UUID}} NOT NULL,
    PRIMARY KEY (tenant_id, team_id, user_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id)
);
--bun:split

-- An uploaded import file, its validation report and its progress. The file
-- is kept in the database so that any replica can work the job.
CREATE TABLE imports (
    tenant_id {{.UUID}} NOT NULL,
    id {{.UUID}} NOT NULL,
    estate_id {{.UUID}} NOT NULL,
    filename text NOT NULL,
    content {{.Blob}} NOT NULL,
    status text NOT NULL,
    lang text NOT NULL DEFAULT 'zh-CN',
    total_rows integer NOT NULL DEFAULT 0,
    done_rows integer NOT NULL DEFAULT 0,
    report text NOT NULL DEFAULT '',
    summary text NOT NULL DEFAULT '',
    created_by {{.UUID}} NOT NULL,
    created_at {{.TS}} NOT NULL,
    updated_at {{.TS}} NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, estate_id) REFERENCES estates (tenant_id, id)
);
{{if .PG}}
--bun:split
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['estate_calendar_days', 'buildings', 'units', 'persons', 'person_phones', 'unit_persons', 'teams', 'team_members', 'imports'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (estatedesk_tenant_visible(tenant_id)) WITH CHECK (estatedesk_tenant_visible(tenant_id))', t);
    END LOOP;
END
$$;
{{end}}
