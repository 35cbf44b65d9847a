-- expect: LOCK001,LOCK002
-- doc: MariaDB KB: ADD FOREIGN KEY with foreign_key_checks=1 needs ALGORITHM=COPY
-- expand
ALTER TABLE items ADD CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id);
