DROP TABLE billing_changes;
--bun:split
DROP TABLE stripe_events;
--bun:split
DROP TABLE stripe_invoices;
--bun:split
DROP TABLE subscriptions;
--bun:split
DROP TABLE signup_attempts;
--bun:split
DROP TABLE email_confirmations;
--bun:split
ALTER TABLE users DROP COLUMN email_unconfirmed;
--bun:split
ALTER TABLE tenants DROP COLUMN trial_ends_at;
