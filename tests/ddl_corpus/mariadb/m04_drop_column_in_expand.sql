-- expect: EXP002,RB001
-- doc: Neutron expand tests forbid drop_column in expand; the values cannot go back
-- expand
ALTER TABLE items DROP COLUMN legacy;
