-- expect: none
-- doc: PostgreSQL VALIDATE CONSTRAINT takes SHARE UPDATE EXCLUSIVE
-- setup
ALTER TABLE items ADD CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID;
-- contract
ALTER TABLE items VALIDATE CONSTRAINT fk_parent;
