-- expect: WL003
-- doc: contract drops a column the new code reads
-- expand
ALTER TABLE items ADD COLUMN note VARCHAR(40) NULL;
-- contract
ALTER TABLE items DROP COLUMN note;
-- new-workload
SELECT note FROM items WHERE id = 1;
