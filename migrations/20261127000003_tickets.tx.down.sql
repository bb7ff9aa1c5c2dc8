DROP TABLE webhook_deliveries;
--bun:split
DROP TABLE webhooks;
--bun:split
DROP TABLE notifications;
--bun:split
DROP TABLE ticket_idempotency;
--bun:split
DROP TABLE ticket_callbacks;
--bun:split
DROP TABLE ticket_attachments;
--bun:split
DROP TABLE ticket_events;
--bun:split
DROP TABLE tickets;
--bun:split
DROP TABLE ticket_counters;
--bun:split
DROP TABLE ticket_settings;
--bun:split
DROP TABLE escalation_levels;
--bun:split
ALTER TABLE team_members DROP COLUMN last_assigned_at;
--bun:split
ALTER TABLE team_members DROP COLUMN on_duty;
--bun:split
DROP TABLE dispatch_rules;
--bun:split
DROP TABLE sla_policies;
--bun:split
DROP TABLE ticket_categories;
