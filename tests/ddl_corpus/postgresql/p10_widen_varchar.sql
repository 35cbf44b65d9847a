-- expect: none
-- doc: PostgreSQL: increasing a varchar length needs no rewrite
-- expand
ALTER TABLE items ALTER COLUMN name TYPE varchar(100);
