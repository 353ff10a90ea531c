CREATE TABLE p_interim (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL);
CREATE TABLE p_backup (
  id INT PRIMARY KEY,
  v VARCHAR(20) NOT NULL,
  modified TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
);
CREATE TABLE p_newest (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL, updated_at DATETIME(3) NULL);
CREATE TABLE p_manual (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL);
CREATE TABLE p_skip (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL);
CREATE TABLE audit (id INT PRIMARY KEY, what VARCHAR(20) NOT NULL);
-- A trigger that changes nothing, but fires on the plan's updates: the plan must say so.
CREATE TRIGGER p_backup_touch BEFORE UPDATE ON p_backup FOR EACH ROW SET @touched = 1;
INSERT INTO p_interim VALUES (1, 'interim edit'), (2, 'same');
INSERT INTO p_backup VALUES (1, 'interim edit', '2020-02-24 08:00:00'), (2, 'same', '2020-01-02 00:00:00');
INSERT INTO p_newest VALUES
  (1, 'interim older', '2020-02-25 10:00:00.499'),
  (2, 'interim newer', '2020-02-24 10:00:00.000'),
  (3, 'tie i', '2020-02-24 10:00:00.000'),
  (4, 'null i', '2020-02-24 10:00:00.000');
INSERT INTO p_manual VALUES (1, 'i'), (2, 'same');
INSERT INTO p_skip VALUES (2, 'same');
INSERT INTO audit VALUES (1, 'changed'), (3, 'z');
