-- Tables without a primary key whose rows are told apart by a UNIQUE column that may be NULL
-- (so the tool sees no key): restoring a backup row must not break that unique key.
CREATE TABLE city_pi (name VARCHAR(20) NOT NULL, code VARCHAR(8) NULL, pop INT NOT NULL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO city_pi VALUES ('Ayr', 'a1', 1), ('Bree', 'b1', 2), ('Cork', 'c1', 3), ('Nowhere', NULL, 0);
CREATE TABLE city_pb (name VARCHAR(20) NOT NULL, code VARCHAR(8) NULL, pop INT NOT NULL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO city_pb VALUES ('Ayr', 'a1', 1), ('Bree', 'b1', 2), ('Cork', 'c1', 3);
CREATE TABLE city_key (name VARCHAR(20) NOT NULL, code VARCHAR(8) NULL, pop INT NOT NULL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO city_key VALUES ('Ayr', 'a1', 1), ('Bree', 'b1', 2), ('Cork', 'c1', 3);
