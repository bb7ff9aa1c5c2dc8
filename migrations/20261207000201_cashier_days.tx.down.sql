DROP INDEX payments_estate_voided_idx;
--bun:split
DROP TABLE fee_cashier_day_events;
--bun:split
DROP TABLE fee_cashier_days;
