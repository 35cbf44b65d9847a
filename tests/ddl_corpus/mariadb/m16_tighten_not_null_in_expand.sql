-- expect: EXP007
-- doc: Keystone/Neutron: nullability is tightened in contract, after the data migration
-- expand
ALTER TABLE items MODIFY name VARCHAR(50) NOT NULL;
