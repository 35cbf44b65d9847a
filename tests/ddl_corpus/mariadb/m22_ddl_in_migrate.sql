-- expect: MIG001
-- doc: migrate moves data only
-- migrate
ALTER TABLE items ADD COLUMN note VARCHAR(40) NULL;
