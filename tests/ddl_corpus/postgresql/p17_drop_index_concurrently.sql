-- expect: none
-- doc: PostgreSQL DROP INDEX CONCURRENTLY
-- contract
DROP INDEX CONCURRENTLY ix_legacy;
