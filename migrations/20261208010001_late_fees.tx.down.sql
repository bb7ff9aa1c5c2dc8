ALTER TABLE waivers DROP COLUMN late_fee;
--bun:split
ALTER TABLE payments DROP COLUMN late_fee_fen;
--bun:split
DROP TABLE fee_late_charges;
--bun:split
DROP TABLE fee_late_policies;
