-- expect: PG002,LOCK001
-- doc: squawk adding-foreign-key-constraint: validation scans under SHARE ROW EXCLUSIVE
-- expand
ALTER TABLE items ADD CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id);
