-- expect: none
-- doc: contract may drop an index
-- contract
DROP INDEX ix_legacy;
