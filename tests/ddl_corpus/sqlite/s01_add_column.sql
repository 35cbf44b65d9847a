-- expect: none
-- doc: SQLite ALTER TABLE ADD COLUMN only edits the schema
-- expand
ALTER TABLE items ADD COLUMN note TEXT;
