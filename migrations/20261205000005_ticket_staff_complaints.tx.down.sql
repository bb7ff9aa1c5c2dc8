ALTER TABLE ticket_settings DROP COLUMN callback_closes;
--bun:split
ALTER TABLE ticket_categories DROP COLUMN staff_complaint;
