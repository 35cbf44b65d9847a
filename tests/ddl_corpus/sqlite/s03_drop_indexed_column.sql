-- expect: EXP002,EXEC001
-- doc: SQLite ALTER TABLE DROP COLUMN refuses indexed columns
-- expand
ALTER TABLE items DROP COLUMN legacy;
