-- expect: LOCK001,LOCK002
-- doc: MariaDB KB: changing INT to BIGINT is not instant before 11.x: COPY
-- expand
ALTER TABLE items MODIFY qty BIGINT NOT NULL DEFAULT 0;
