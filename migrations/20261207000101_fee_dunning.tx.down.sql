DROP TABLE fee_contacts;
--bun:split
DROP TABLE fee_reminders;
--bun:split
DROP TABLE fee_reminder_batches;
