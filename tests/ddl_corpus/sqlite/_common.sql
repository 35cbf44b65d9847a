CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE items (id INTEGER PRIMARY KEY, parent_id INT, grp INT, name VARCHAR(50), legacy INT,
                    qty INT NOT NULL DEFAULT 0);
CREATE INDEX ix_legacy ON items (legacy);
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100) INSERT INTO parent SELECT n, 'p' || n FROM s;
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2000) INSERT INTO items (parent_id, grp, name, legacy) SELECT n % 100 + 1, n % 10, 'n' || n, n FROM s;
