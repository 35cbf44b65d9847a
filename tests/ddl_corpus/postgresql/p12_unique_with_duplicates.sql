-- expect: DATA001
-- doc: PostgreSQL: CREATE UNIQUE INDEX fails on duplicates (and leaves an INVALID index when CONCURRENTLY)
-- expand
CREATE UNIQUE INDEX CONCURRENTLY ux_grp ON items (grp);
