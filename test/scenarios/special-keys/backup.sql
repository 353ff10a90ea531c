-- Keys of every type whose text form is not what the server compares: BIT, FLOAT, DOUBLE,
-- DECIMAL, case-insensitive text, BINARY(16) UUIDs, and a composite key mixing them.
CREATE TABLE k_bit (b BIT(8) NOT NULL PRIMARY KEY, v VARCHAR(10) NOT NULL) ENGINE=InnoDB;
INSERT INTO k_bit VALUES (b'00000101', 'five'), (b'00000110', 'six'), (b'00000111', 'seven'), (b'11111111', 'max');

CREATE TABLE k_float (f FLOAT NOT NULL PRIMARY KEY, v VARCHAR(10) NOT NULL) ENGINE=InnoDB;
INSERT INTO k_float VALUES (1.1, 'one'), (2.5, 'two'), (3.3, 'three'), (-0.7, 'neg');

CREATE TABLE k_double (d DOUBLE NOT NULL PRIMARY KEY, v VARCHAR(10) NOT NULL) ENGINE=InnoDB;
INSERT INTO k_double VALUES (0.1, 'tenth'), (1e300, 'huge'), (3.141592653589793, 'pi'), (-2.5e-10, 'tiny');

CREATE TABLE k_decimal (x DECIMAL(10,3) NOT NULL PRIMARY KEY, v VARCHAR(10) NOT NULL) ENGINE=InnoDB;
INSERT INTO k_decimal VALUES (1.500, 'a'), (-2.250, 'b'), (0.001, 'c'), (9999999.999, 'd');

CREATE TABLE k_ci (name VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, v VARCHAR(10) NOT NULL) ENGINE=InnoDB;
INSERT INTO k_ci VALUES ('Alice', '1'), ('Bob', '2'), ('Émile', '3'), ('zoë', '4');

CREATE TABLE k_uuid (id BINARY(16) NOT NULL PRIMARY KEY, v VARCHAR(10) NOT NULL) ENGINE=InnoDB;
INSERT INTO k_uuid VALUES
  (UNHEX('0190c3a4b5c67d8e9fa0b1c2d3e4f501'), 'u1'),
  (UNHEX('00000000000000000000000000000000'), 'zero'),
  (UNHEX('ffffffffffffffffffffffffffffffff'), 'ones'),
  (UNHEX('27000000005c000000000000000a0d1a'), 'quotes');

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
  (b'0001', 1.1, 'Ann', 1.50, UNHEX('0190c3a4b5c67d8e9fa0b1c2d3e4f501'), 'm1'),
  (b'0010', 2.2, 'Ben', -0.25, UNHEX('00000000000000000000000000000001'), 'm2'),
  (b'1111', 0.3, 'Émile', 99.99, UNHEX('ffffffffffffffffffffffffffffffff'), 'm3');
