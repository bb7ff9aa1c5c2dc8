DROP TABLE waivers;
--bun:split
DROP TABLE balance_movements;
--bun:split
DROP TABLE unit_balances;
--bun:split
DROP TABLE payment_allocations;
--bun:split
DROP TABLE payments;
--bun:split
DROP TABLE fee_receipt_counters;
--bun:split
DROP TABLE bills;
--bun:split
DROP TABLE billing_runs;
--bun:split
DROP TABLE meter_readings;
--bun:split
DROP TABLE parking_spaces;
--bun:split
DROP TABLE fee_unit_starts;
--bun:split
DROP TABLE fee_rates;
--bun:split
DROP TABLE fee_items;
