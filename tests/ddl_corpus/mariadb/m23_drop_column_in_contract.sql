-- expect: none
-- doc: Neutron contract: drop_column is allowed; MariaDB 10.4+ drops instantly
-- contract
ALTER TABLE items DROP COLUMN legacy;
