-- expect: none
-- doc: MariaDB KB: ADD UNIQUE INDEX is NOCOPY with LOCK=NONE
-- expand
ALTER TABLE items ADD UNIQUE INDEX ux_name (name);
