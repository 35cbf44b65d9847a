-- expect: PG001
-- doc: PostgreSQL DROP INDEX takes ACCESS EXCLUSIVE on the table; use CONCURRENTLY
-- contract
DROP INDEX ix_legacy;
