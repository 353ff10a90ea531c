-- Values that are hard to write back exactly: quotes, backslashes, NUL, control characters,
-- emoji, JSON (big integers, escapes), bytes, BIT, DECIMAL, BIGINT UNSIGNED, floats, temporal
-- types, ENUM/SET, geometry, an ON UPDATE timestamp and generated columns.
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
INSERT INTO doc (id, name, body, latin, data, bin, fixed, flags, price, big, ratio, f, day, t, y, color, tags, geo, modified) VALUES
  (1, 'O''Brien \\ back\\slash', CONCAT('line1', CHAR(10), 'line2', CHAR(9), 'tab', CHAR(13), CHAR(10)), 'café',
   '{"b": 1, "a": [1, 2.50, "x\\"y"], "big": 12345678901234567890}', X'00FF27225C', X'01020000', b'10101',
   -0.0001, 18446744073709551615, 0.1, 1.5, '2020-02-29', '12:34:56.789', 2020, 'red', 'a,c',
   ST_GeomFromText('POINT(1 2)'), '2020-02-23 11:00:00.123456'),
  (2, CONCAT('nul', CHAR(0), 'byte'), '🦄 unicorn', NULL, '"str"', NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, '', NULL, '2020-01-01 00:00:00.000000'),
  (3, '--not a comment; DROP TABLE doc;', '/* x */ '';', 'x', '[]', X'', NULL, b'0', 0.0000, 1, 1e308, -2.5, '1000-01-01', '-838:59:59.000', 1901, 'green', 'a,b,c', NULL, '2020-01-01 00:00:00.000001'),
  (4, 'quote''s "double" `tick`', CHAR(26), NULL, '{"k": "\\u0000 and \\n"}', X'5C5C27', X'FFFFFFFF', b'11111', 99999999.9999, NULL, -1.7976931348623157e308, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2020-01-01 00:00:00.000002'),
  (5, 'backup name', NULL, NULL, '{"v": "backup"}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2019-12-31 23:59:59.999999');
