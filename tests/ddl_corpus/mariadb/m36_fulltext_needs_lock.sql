-- expect: LOCK001
-- doc: MariaDB KB: adding a FULLTEXT index requires LOCK=SHARED
-- expand
ALTER TABLE items ADD FULLTEXT INDEX ft_name (name);
