-- expect: none
-- doc: MariaDB KB: ADD INDEX supports ALGORITHM=NOCOPY, LOCK=NONE
-- expand
CREATE INDEX ix_grp ON items (grp);
