-- expect: none
-- doc: creating and seeding a table nobody uses yet is additive
-- expand
CREATE TABLE things (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL);
INSERT INTO things VALUES (1, 'a');
ALTER TABLE things ADD COLUMN extra INT NOT NULL;
