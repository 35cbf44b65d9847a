-- expect: PLAN001
-- doc: an index scan becomes a sequential scan
-- contract
DROP INDEX CONCURRENTLY ix_legacy;
-- new-workload
SELECT id FROM items WHERE legacy = 7;
