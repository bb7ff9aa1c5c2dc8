DROP TABLE resident_sessions;
--bun:split
DROP TABLE resident_codes;
