-- expect: none
-- doc: pgroll/OpenStack migrate phase: backfill in batches
-- migrate
UPDATE items SET legacy = legacy + 1 WHERE id < 100;
