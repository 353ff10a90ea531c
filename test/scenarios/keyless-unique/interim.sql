-- The interim: Bree renamed Bree-on-Sea (code b1 still), Cork not restored yet, a new town.
CREATE TABLE city_pi (name VARCHAR(20) NOT NULL, code VARCHAR(8) NULL, pop INT NOT NULL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO city_pi VALUES ('Ayr', 'a1', 1), ('Bree-on-Sea', 'b1', 2), ('Dun', 'd1', 4), ('Nowhere', NULL, 0);
CREATE TABLE city_pb (name VARCHAR(20) NOT NULL, code VARCHAR(8) NULL, pop INT NOT NULL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO city_pb VALUES ('Ayr', 'a1', 1), ('Bree-on-Sea', 'B1', 2), ('Dun', 'd1', 4);
CREATE TABLE city_key (name VARCHAR(20) NOT NULL, code VARCHAR(8) NULL, pop INT NOT NULL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO city_key VALUES ('Ayr', 'a1', 1), ('Bree-on-Sea', 'b1', 2), ('Dun', 'd1', 4);
