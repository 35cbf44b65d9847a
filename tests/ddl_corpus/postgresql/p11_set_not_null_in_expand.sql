-- expect: EXP007,LOCK001
-- doc: squawk adding-not-nullable-field: SET NOT NULL scans under ACCESS EXCLUSIVE
-- expand
ALTER TABLE items ALTER COLUMN name SET NOT NULL;
