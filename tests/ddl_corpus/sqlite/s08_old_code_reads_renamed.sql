-- expect: WL001
-- doc: SQLite RENAME COLUMN accepted with a documented exception still breaks the old code's reads
-- expand
-- ddl-check: allow EXP004 testing the workload check
-- ddl-check: allow RB001 testing the workload check
ALTER TABLE items RENAME COLUMN name TO title;
-- old-workload
SELECT name FROM items WHERE id = 3;
