-- expect: EXP007,DATA003
-- doc: PostgreSQL: SET NOT NULL fails when the column contains nulls
-- setup
UPDATE items SET name = NULL WHERE id = 7;
-- expand
ALTER TABLE items ALTER COLUMN name SET NOT NULL;
