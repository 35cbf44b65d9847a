-- expect: none
-- doc: MariaDB KB 'InnoDB Online DDL Operations with ALGORITHM=INSTANT': ADD COLUMN is instant
-- expand
ALTER TABLE items ADD COLUMN note VARCHAR(40) NULL;
