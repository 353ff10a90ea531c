-- Cities identified by (name, country) under a case-insensitive collation, as the server
-- compares them: an edit that only changes the case of a name is an edit, not a new city.
CREATE TABLE city (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(35) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
  country CHAR(3) NOT NULL,
  population INT NOT NULL,
  UNIQUE KEY uk_city (name, country)
) ENGINE=InnoDB;
INSERT INTO city VALUES (1, 'Kabul', 'AFG', 1780000), (2, 'Qandahar', 'AFG', 237500), (3, 'Herat', 'AFG', 186800);
