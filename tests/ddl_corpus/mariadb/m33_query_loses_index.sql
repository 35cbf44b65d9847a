-- expect: PLAN001
-- doc: dropping the index a query uses turns a ref lookup into a full scan
-- contract
DROP INDEX ix_legacy ON items;
-- new-workload
SELECT id FROM items WHERE legacy = 5;
