-- expect: EXP005,LOCK001,LOCK002
-- doc: MariaDB KB: shortening a VARCHAR needs ALGORITHM=COPY
-- expand
ALTER TABLE items MODIFY name VARCHAR(20);
