-- expect: EXP010
-- doc: MariaDB ALTER COLUMN DROP DEFAULT: old INSERTs omitting qty fail
-- expand
ALTER TABLE items ALTER COLUMN qty DROP DEFAULT;
