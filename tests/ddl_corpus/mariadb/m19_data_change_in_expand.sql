-- expect: EXP009
-- doc: OpenStack: data migrations are not part of expand
-- expand
UPDATE items SET qty = 1;
