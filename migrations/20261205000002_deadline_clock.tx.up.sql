-- Each deadline policy chooses its clock: around the clock (emergencies,
-- complaints, safety, noise) or the estate's business hours (routine
-- repairs, questions). A ticket keeps the clock it was given, so a later
-- change of the policy does not move the deadlines of a hold already
-- running. Rows written before count as they did: emergencies around the
-- clock, the rest in business hours. A policy's 0 minutes mean no
-- deadline of that kind (praise, suggestions).
ALTER TABLE sla_policies ADD COLUMN clock text NOT NULL DEFAULT 'business_hours';
--bun:split
UPDATE sla_policies SET clock = 'around_the_clock' WHERE priority = 'emergency';
--bun:split
ALTER TABLE tickets ADD COLUMN clock text NOT NULL DEFAULT 'business_hours';
--bun:split
UPDATE tickets SET clock = 'around_the_clock' WHERE priority = 'emergency';
