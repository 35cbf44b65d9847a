CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE items (
  id INT PRIMARY KEY AUTO_INCREMENT, parent_id INT, grp INT, name VARCHAR(50), legacy INT,
  qty INT NOT NULL DEFAULT 0, INDEX ix_legacy (legacy)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO parent SELECT seq, CONCAT('p', seq) FROM seq_1_to_100;
INSERT INTO items (parent_id, grp, name, legacy) SELECT seq % 100 + 1, seq % 10, CONCAT('n', seq), seq FROM seq_1_to_2000;
