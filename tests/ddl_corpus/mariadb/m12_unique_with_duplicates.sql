-- expect: DATA001
-- doc: MariaDB: ADD UNIQUE fails with ER_DUP_ENTRY when duplicates exist
-- expand
ALTER TABLE items ADD UNIQUE INDEX ux_grp (grp);
