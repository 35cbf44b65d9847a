-- expect: EXP004,RB001
-- doc: MariaDB ALTER TABLE RENAME COLUMN (instant, but the old name disappears)
-- expand
ALTER TABLE items RENAME COLUMN name TO title;
