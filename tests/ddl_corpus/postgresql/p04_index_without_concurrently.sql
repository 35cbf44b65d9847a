-- expect: PG001,LOCK001
-- doc: squawk require-concurrent-index-creation; CREATE INDEX takes SHARE lock
-- expand
CREATE INDEX ix_grp ON items (grp);
