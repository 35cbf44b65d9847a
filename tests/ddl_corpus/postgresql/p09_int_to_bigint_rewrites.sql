-- expect: LOCK001,LOCK002
-- doc: PostgreSQL: ALTER COLUMN TYPE int -> bigint rewrites the table
-- expand
ALTER TABLE items ALTER COLUMN qty TYPE bigint;
