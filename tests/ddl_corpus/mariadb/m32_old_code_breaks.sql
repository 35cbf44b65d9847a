-- expect: WL001
-- doc: the old code still reads legacy after expand
-- expand
-- ddl-check: allow-file EXP002 testing the workload check
-- ddl-check: allow-file RB001 testing the workload check
ALTER TABLE items DROP COLUMN legacy;
-- old-workload
SELECT legacy FROM items WHERE id = 1;
