-- Two-factor sign-in (TOTP, RFC 6238) with single-use recovery codes.

-- The shared secret of the person's authenticator once enrolled; the
-- pending one while they set it up (not yet proved by a code). The last
-- time step a code was accepted for: a code is refused unless its step is
-- later, so a code seen over a shoulder cannot be replayed.
ALTER TABLE users ADD COLUMN totp_secret text;
--bun:split
ALTER TABLE users ADD COLUMN totp_pending_secret text;
--bun:split
ALTER TABLE users ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0;
--bun:split

-- A session waits for the second factor after the password (nothing but
-- the code page is open to it), and remembers whether it was opened with one.
ALTER TABLE sessions ADD COLUMN awaiting_second_factor boolean NOT NULL DEFAULT false;
--bun:split
ALTER TABLE sessions ADD COLUMN second_factor boolean NOT NULL DEFAULT false;
--bun:split

-- A company's managers can require two-factor sign-in of its staff.
ALTER TABLE tenants ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;
--bun:split

-- Recovery codes, stored as their SHA-256 like session tokens; used_at
-- set: spent.
CREATE TABLE recovery_codes (
    id {{.UUID}} PRIMARY KEY,
    user_id {{.UUID}} NOT NULL REFERENCES users (id),
    code_hash text NOT NULL,
    created_at {{.TS}} NOT NULL,
    used_at {{.TS}}
);
--bun:split
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id);
