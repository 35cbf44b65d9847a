-- expect: none
-- doc: Neutron expand_drop_exceptions: a documented drop is accepted
-- expand
-- ddl-check: allow EXP002 legacy is unused since the Zed release
-- ddl-check: allow RB001 legacy values are not needed after rollback
ALTER TABLE items DROP COLUMN legacy;
