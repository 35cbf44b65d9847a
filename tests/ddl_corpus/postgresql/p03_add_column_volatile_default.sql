-- expect: LOCK001,LOCK002
-- doc: PostgreSQL ALTER TABLE notes: a volatile default rewrites the table
-- expand
ALTER TABLE items ADD COLUMN r float8 DEFAULT random();
