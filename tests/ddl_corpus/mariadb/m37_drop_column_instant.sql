-- expect: none
-- doc: MariaDB KB 10.4+: DROP COLUMN is instant (contract)
-- contract
ALTER TABLE items DROP COLUMN qty;
