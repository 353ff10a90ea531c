-- The interim: Qandahar's name re-typed in capitals (an edit), and a new city that reused id 3
-- (a collision: its natural key differs from the backup's row 3 under any collation).
CREATE TABLE city (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(35) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
  country CHAR(3) NOT NULL,
  population INT NOT NULL,
  UNIQUE KEY uk_city (name, country)
) ENGINE=InnoDB;
INSERT INTO city VALUES (1, 'Kabul', 'AFG', 1780000), (2, 'QANDAHAR', 'AFG', 237500), (3, 'Mazar-e-Sharif', 'AFG', 127800);
