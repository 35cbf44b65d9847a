-- expect: DATA001
-- doc: SQLite: CREATE UNIQUE INDEX fails with UNIQUE constraint failed
-- expand
CREATE UNIQUE INDEX ux_grp ON items (grp);
