ALTER TABLE tickets DROP COLUMN warn_due;
