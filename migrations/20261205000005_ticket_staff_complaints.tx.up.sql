-- Complaints about staff (服务 › 态度 and the like) are seen only by the
-- roles that handle them: a category flag, which covers its subcategories.
-- Every company's 服务 › 态度 of the default tree starts flagged.
ALTER TABLE ticket_categories ADD COLUMN staff_complaint boolean NOT NULL DEFAULT false;
--bun:split
UPDATE ticket_categories SET staff_complaint = true
    WHERE name = '态度' AND parent_id IN (
        SELECT p.id FROM ticket_categories AS p
        WHERE p.tenant_id = ticket_categories.tenant_id AND p.name = '服务' AND p.parent_id IS NULL);
--bun:split

-- A call-back that reaches a satisfied owner closes the ticket, unless the
-- company keeps followed-up tickets open for a last look.
ALTER TABLE ticket_settings ADD COLUMN callback_closes boolean NOT NULL DEFAULT true;
