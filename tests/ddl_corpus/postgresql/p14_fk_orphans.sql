-- expect: DATA002
-- doc: PostgreSQL: VALIDATE CONSTRAINT will fail on orphans
-- setup
INSERT INTO items (parent_id, name) VALUES (999, 'orphan');
-- expand
ALTER TABLE items ADD CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID;
