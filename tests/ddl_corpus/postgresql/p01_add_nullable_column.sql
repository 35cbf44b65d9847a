-- expect: none
-- doc: PostgreSQL ALTER TABLE: ADD COLUMN without default is catalog-only
-- expand
ALTER TABLE items ADD COLUMN note text;
