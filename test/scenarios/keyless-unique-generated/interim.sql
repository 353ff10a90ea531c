-- The interim: Bree renamed Bree-on-Sea (code b1 still; B1 in doc_pb), Cork not restored yet,
-- a new town.
CREATE TABLE doc_pi (body JSON NOT NULL, code VARCHAR(8) AS (JSON_UNQUOTE(JSON_EXTRACT(body, '$.code'))) PERSISTENT, pop INT NOT NULL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO doc_pi (body, pop) VALUES ('{"code": "a1", "name": "Ayr"}', 1), ('{"code": "b1", "name": "Bree-on-Sea"}', 2), ('{"code": "d1", "name": "Dun"}', 4), ('{"name": "Nowhere"}', 0);
CREATE TABLE doc_pb (body JSON NOT NULL, code VARCHAR(8) AS (JSON_UNQUOTE(JSON_EXTRACT(body, '$.code'))) STORED, pop INT NOT NULL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO doc_pb (body, pop) VALUES ('{"code": "a1", "name": "Ayr"}', 1), ('{"code": "B1", "name": "Bree-on-Sea"}', 2), ('{"code": "d1", "name": "Dun"}', 4);
CREATE TABLE doc_key (body JSON NOT NULL, code VARCHAR(8) AS (JSON_UNQUOTE(JSON_EXTRACT(body, '$.code'))) PERSISTENT, pop INT NOT NULL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO doc_key (body, pop) VALUES ('{"code": "a1", "name": "Ayr"}', 1), ('{"code": "b1", "name": "Bree-on-Sea"}', 2), ('{"code": "d1", "name": "Dun"}', 4);
CREATE TABLE doc_keyb (body JSON NOT NULL, code VARCHAR(8) AS (JSON_UNQUOTE(JSON_EXTRACT(body, '$.code'))) PERSISTENT, pop INT NOT NULL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO doc_keyb (body, pop) VALUES ('{"code": "a1", "name": "Ayr"}', 1), ('{"code": "b1", "name": "Bree-on-Sea"}', 2), ('{"code": "d1", "name": "Dun"}', 4);
-- doc_id: ids 2 and 3 not restored yet; Bree registered again as id 4 during the incident.
CREATE TABLE doc_id (id INT PRIMARY KEY, body JSON NOT NULL, code VARCHAR(8) AS (JSON_UNQUOTE(JSON_EXTRACT(body, '$.code'))) VIRTUAL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO doc_id (id, body) VALUES (1, '{"code": "a1"}'), (4, '{"code": "b1", "name": "Bree again"}');
