-- expect: EXP008
-- doc: Atlas destructive changes: dropping an index the old code relies on
-- expand
DROP INDEX ix_legacy ON items;
