-- expect: EXP003,RB001
-- doc: MariaDB RENAME TABLE: old code loses the table name
-- expand
RENAME TABLE items TO things;
