-- expect: none
-- doc: PostgreSQL 11+: a non-volatile DEFAULT is stored in the catalog, no rewrite
-- expand
ALTER TABLE items ADD COLUMN flag int NOT NULL DEFAULT 0;
