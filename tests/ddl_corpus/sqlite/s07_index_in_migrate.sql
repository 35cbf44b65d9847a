-- expect: MIG001
-- doc: migrate moves data only
-- migrate
CREATE INDEX ix_grp ON items (grp);
