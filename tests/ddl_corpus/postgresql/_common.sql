CREATE TABLE parent (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE items (id serial PRIMARY KEY, parent_id int, grp int, name varchar(50), legacy int,
                    qty int NOT NULL DEFAULT 0);
CREATE INDEX ix_legacy ON items (legacy);
INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 100) g;
INSERT INTO items (parent_id, grp, name, legacy) SELECT g % 100 + 1, g % 10, 'n' || g, g FROM generate_series(1, 2000) g;
ANALYZE;
