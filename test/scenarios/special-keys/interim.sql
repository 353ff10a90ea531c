-- The interim: some rows edited (prefer-backup writes them back by key), some restored rows
-- missing (inserted), and rows of its own (kept).
CREATE TABLE k_bit (b BIT(8) NOT NULL PRIMARY KEY, v VARCHAR(10) NOT NULL) ENGINE=InnoDB;
INSERT INTO k_bit VALUES (b'00000101', 'FIVE'), (b'00000110', 'six'), (b'11111111', 'MAX'), (b'00001000', 'eight');

CREATE TABLE k_float (f FLOAT NOT NULL PRIMARY KEY, v VARCHAR(10) NOT NULL) ENGINE=InnoDB;
INSERT INTO k_float VALUES (1.1, 'ONE'), (2.5, 'two'), (-0.7, 'NEG'), (4.4, 'four');

CREATE TABLE k_double (d DOUBLE NOT NULL PRIMARY KEY, v VARCHAR(10) NOT NULL) ENGINE=InnoDB;
INSERT INTO k_double VALUES (0.1, 'TENTH'), (1e300, 'huge'), (-2.5e-10, 'TINY'), (0.2, 'fifth');

CREATE TABLE k_decimal (x DECIMAL(10,3) NOT NULL PRIMARY KEY, v VARCHAR(10) NOT NULL) ENGINE=InnoDB;
INSERT INTO k_decimal VALUES (1.500, 'A'), (-2.250, 'b'), (9999999.999, 'D'), (7.000, 'e');

CREATE TABLE k_ci (name VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, v VARCHAR(10) NOT NULL) ENGINE=InnoDB;
INSERT INTO k_ci VALUES ('Alice', 'one'), ('Bob', '2'), ('zoë', 'four'), ('Yann', '5');

CREATE TABLE k_uuid (id BINARY(16) NOT NULL PRIMARY KEY, v VARCHAR(10) NOT NULL) ENGINE=InnoDB;
INSERT INTO k_uuid VALUES
  (UNHEX('0190c3a4b5c67d8e9fa0b1c2d3e4f501'), 'U1'),
  (UNHEX('00000000000000000000000000000000'), 'zero'),
  (UNHEX('27000000005c000000000000000a0d1a'), 'QUOTES'),
  (UNHEX('0190c3a4b5c67d8e9fa0b1c2d3e4f599'), 'new');

CREATE TABLE k_mix (
  b BIT(4) NOT NULL,
  f FLOAT NOT NULL,
  name VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
  x DECIMAL(6,2) NOT NULL,
  u BINARY(16) NOT NULL,
  v VARCHAR(10) NOT NULL,
  PRIMARY KEY (b, f, name, x, u)
) ENGINE=InnoDB;
INSERT INTO k_mix VALUES
  (b'0001', 1.1, 'Ann', 1.50, UNHEX('0190c3a4b5c67d8e9fa0b1c2d3e4f501'), 'M1'),
  (b'1111', 0.3, 'Émile', 99.99, UNHEX('ffffffffffffffffffffffffffffffff'), 'M3'),
  (b'0100', 4.4, 'Dee', 4.00, UNHEX('00000000000000000000000000000004'), 'm4');
