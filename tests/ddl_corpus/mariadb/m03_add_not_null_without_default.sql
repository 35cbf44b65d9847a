-- expect: EXP006
-- doc: squawk adding-required-field: old INSERTs that omit the column fail in strict mode
-- expand
ALTER TABLE items ADD COLUMN req INT NOT NULL;
