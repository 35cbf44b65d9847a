-- expect: none
-- doc: Neutron contract: drop_table is allowed
-- contract
DROP TABLE parent;
