-- expect: none
-- doc: MariaDB KB: extending VARCHAR within the same length-byte size is instant
-- expand
ALTER TABLE items MODIFY name VARCHAR(60);
