-- expect: CON001
-- doc: contract only removes
-- contract
CREATE INDEX ix_grp ON items (grp);
