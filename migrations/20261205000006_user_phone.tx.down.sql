DROP INDEX users_phone_key;
--bun:split
ALTER TABLE users DROP COLUMN phone;
