-- expect: none
-- doc: MariaDB KB: ADD COLUMN ... NOT NULL DEFAULT is instant and old INSERTs get the default
-- expand
ALTER TABLE items ADD COLUMN flag INT NOT NULL DEFAULT 0;
