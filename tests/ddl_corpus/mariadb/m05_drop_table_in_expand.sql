-- expect: EXP001,RB001
-- doc: Neutron expand tests forbid drop_table in expand
-- expand
DROP TABLE parent;
