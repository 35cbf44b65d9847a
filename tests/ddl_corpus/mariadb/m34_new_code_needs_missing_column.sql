-- expect: WL002,WL003
-- doc: the new code reads a column no phase adds
-- migrate
UPDATE items SET qty = 2 WHERE id = 1;
-- new-workload
SELECT note FROM items WHERE id = 1;
