-- expect: EXP007,DATA003
-- doc: MariaDB strict mode: NOT NULL on a column holding NULLs fails (error 1265)
-- setup
UPDATE items SET name = NULL WHERE id = 5;
-- expand
ALTER TABLE items MODIFY name VARCHAR(50) NOT NULL;
