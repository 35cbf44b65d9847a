-- expect: EXP005,LOCK001,LOCK002
-- doc: PostgreSQL: shortening a varchar rewrites the table under ACCESS EXCLUSIVE
-- expand
ALTER TABLE items ALTER COLUMN name TYPE varchar(10);
