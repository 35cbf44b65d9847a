-- expect: GEN001
-- doc: MariaDB ADD COLUMN (a, b) form: not understood by the parser
-- expand
ALTER TABLE items ADD COLUMN (a INT, b INT);
