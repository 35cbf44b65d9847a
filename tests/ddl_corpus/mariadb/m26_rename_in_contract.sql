-- expect: CON002
-- doc: contract only removes: a rename leaves new code guessing
-- contract
ALTER TABLE items RENAME COLUMN legacy TO old_legacy;
