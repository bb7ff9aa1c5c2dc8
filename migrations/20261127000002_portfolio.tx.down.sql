DROP TABLE imports;
--bun:split
DROP TABLE team_members;
--bun:split
DROP TABLE teams;
--bun:split
DROP TABLE unit_persons;
--bun:split
DROP TABLE person_phones;
--bun:split
DROP TABLE persons;
--bun:split
DROP TABLE units;
--bun:split
DROP TABLE buildings;
--bun:split
DROP TABLE estate_calendar_days;
--bun:split
ALTER TABLE estates DROP COLUMN business_hours;
--bun:split
ALTER TABLE estates DROP COLUMN office_phone;
--bun:split
ALTER TABLE estates DROP COLUMN address;
