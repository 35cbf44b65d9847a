-- expect: CON003
-- doc: contract does not move data
-- contract
INSERT INTO parent (id, name) VALUES (1000, 'x');
