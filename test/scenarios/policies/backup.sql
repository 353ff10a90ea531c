-- One table per onChanged policy, one with onMissingInInterim: skip, one skipped entirely.
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
INSERT INTO p_interim VALUES (1, 'old'), (2, 'same'), (3, 'restore me');
INSERT INTO p_backup VALUES (1, 'backup wins', '2020-01-01 00:00:00'), (2, 'same', '2020-01-02 00:00:00');
INSERT INTO p_newest VALUES
  (1, 'backup newer', '2020-02-25 10:00:00.500'),
  (2, 'backup older', '2020-02-01 10:00:00.000'),
  (3, 'tie b', '2020-02-24 10:00:00.000'),
  (4, 'null b', NULL);
INSERT INTO p_manual VALUES (1, 'b'), (2, 'same');
INSERT INTO p_skip VALUES (1, 'not restored'), (2, 'same');
INSERT INTO audit VALUES (1, 'x'), (2, 'y');
