-- expect: EXP010
-- doc: PostgreSQL ALTER COLUMN DROP DEFAULT: old INSERTs omitting qty fail
-- expand
ALTER TABLE items ALTER COLUMN qty DROP DEFAULT;
