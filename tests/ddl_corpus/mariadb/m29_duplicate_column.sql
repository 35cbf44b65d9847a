-- expect: EXEC001
-- doc: MariaDB error 1060 Duplicate column name
-- expand
ALTER TABLE items ADD COLUMN name INT NULL;
