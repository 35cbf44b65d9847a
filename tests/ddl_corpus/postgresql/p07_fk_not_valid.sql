-- expect: none
-- doc: PostgreSQL: ADD CONSTRAINT ... NOT VALID skips the scan
-- expand
ALTER TABLE items ADD CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID;
