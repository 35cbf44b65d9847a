-- expect: EXP006,EXEC001
-- doc: SQLite: Cannot add a NOT NULL column with default value NULL
-- expand
ALTER TABLE items ADD COLUMN req INT NOT NULL;
