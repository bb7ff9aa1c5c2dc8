DROP TABLE recovery_codes;
--bun:split
ALTER TABLE tenants DROP COLUMN require_two_factor;
--bun:split
ALTER TABLE sessions DROP COLUMN second_factor;
--bun:split
ALTER TABLE sessions DROP COLUMN awaiting_second_factor;
--bun:split
ALTER TABLE users DROP COLUMN totp_last_step;
--bun:split
ALTER TABLE users DROP COLUMN totp_pending_secret;
--bun:split
ALTER TABLE users DROP COLUMN totp_secret;
