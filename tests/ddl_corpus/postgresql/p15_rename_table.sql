-- expect: EXP003,RB001
-- doc: squawk renaming-table
-- expand
ALTER TABLE items RENAME TO things;
