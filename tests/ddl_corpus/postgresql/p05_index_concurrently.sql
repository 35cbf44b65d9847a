-- expect: none
-- doc: PostgreSQL CREATE INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE
-- expand
CREATE INDEX CONCURRENTLY ix_grp ON items (grp);
