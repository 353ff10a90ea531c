-- Only row 5, edited during the incident (its ON UPDATE timestamp moved with the edit).
CREATE TABLE doc (
  id INT PRIMARY KEY,
  name VARCHAR(100) CHARACTER SET utf8mb4 NOT NULL,
  body TEXT NULL,
  latin VARCHAR(50) CHARACTER SET latin1 NULL,
  data JSON NULL,
  bin VARBINARY(20) NULL,
  fixed BINARY(4) NULL,
  flags BIT(5) NULL,
  price DECIMAL(20,4) NULL,
  big BIGINT UNSIGNED NULL,
  ratio DOUBLE NULL,
  f FLOAT NULL,
  day DATE NULL,
  t TIME(3) NULL,
  y YEAR NULL,
  color ENUM('red','green') NULL,
  tags SET('a','b','c') NULL,
  geo POINT NULL,
  modified TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  twice INT AS (id * 2) STORED,
  shout VARCHAR(110) AS (CONCAT(name, '!')) VIRTUAL
);
INSERT INTO doc (id, name, data, modified) VALUES
  (5, 'interim name', '{"v": "interim"}', '2020-02-24 08:00:00.000000');
