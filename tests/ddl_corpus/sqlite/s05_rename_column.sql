-- expect: EXP004,RB001
-- doc: SQLite ALTER TABLE RENAME COLUMN
-- expand
ALTER TABLE items RENAME COLUMN name TO title;
