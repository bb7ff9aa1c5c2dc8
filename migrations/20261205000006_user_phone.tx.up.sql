-- Field staff sign in with their mobile number as well as their email: one
-- number per person, like the email, kept on the user (a person is one
-- user across companies). NULL: none given.
ALTER TABLE users ADD COLUMN phone text;
--bun:split
CREATE UNIQUE INDEX users_phone_key ON users (phone);
