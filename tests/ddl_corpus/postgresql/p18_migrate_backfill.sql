-- expect: none
-- doc: pgroll: backfill in the migrate step
-- migrate
UPDATE items SET qty = 1 WHERE id <= 10;
