-- Tables without a primary key whose rows are told apart by a UNIQUE key on a generated column
-- (a code taken from a JSON document). MariaDB refuses NOT NULL and PRIMARY KEY on such a
-- column, so the tool sees no key; restoring a backup row must not break the unique key all
-- the same. The generated column is never written: its value is the one the server computed.
CREATE TABLE doc_pi (body JSON NOT NULL, code VARCHAR(8) AS (JSON_UNQUOTE(JSON_EXTRACT(body, '$.code'))) PERSISTENT, pop INT NOT NULL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO doc_pi (body, pop) VALUES ('{"code": "a1", "name": "Ayr"}', 1), ('{"code": "b1", "name": "Bree"}', 2), ('{"code": "c1", "name": "Cork"}', 3), ('{"name": "Nowhere"}', 0);
CREATE TABLE doc_pb (body JSON NOT NULL, code VARCHAR(8) AS (JSON_UNQUOTE(JSON_EXTRACT(body, '$.code'))) STORED, pop INT NOT NULL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO doc_pb (body, pop) VALUES ('{"code": "a1", "name": "Ayr"}', 1), ('{"code": "b1", "name": "Bree"}', 2), ('{"code": "c1", "name": "Cork"}', 3);
CREATE TABLE doc_key (body JSON NOT NULL, code VARCHAR(8) AS (JSON_UNQUOTE(JSON_EXTRACT(body, '$.code'))) PERSISTENT, pop INT NOT NULL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO doc_key (body, pop) VALUES ('{"code": "a1", "name": "Ayr"}', 1), ('{"code": "b1", "name": "Bree"}', 2), ('{"code": "c1", "name": "Cork"}', 3);
CREATE TABLE doc_keyb (body JSON NOT NULL, code VARCHAR(8) AS (JSON_UNQUOTE(JSON_EXTRACT(body, '$.code'))) PERSISTENT, pop INT NOT NULL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO doc_keyb (body, pop) VALUES ('{"code": "a1", "name": "Ayr"}', 1), ('{"code": "b1", "name": "Bree"}', 2), ('{"code": "c1", "name": "Cork"}', 3);
-- A keyed table with a unique key on a generated column.
CREATE TABLE doc_id (id INT PRIMARY KEY, body JSON NOT NULL, code VARCHAR(8) AS (JSON_UNQUOTE(JSON_EXTRACT(body, '$.code'))) VIRTUAL, UNIQUE KEY uk_code (code)) ENGINE=InnoDB;
INSERT INTO doc_id (id, body) VALUES (1, '{"code": "a1"}'), (2, '{"code": "b1", "name": "Bree"}'), (3, '{"code": "c1"}');
