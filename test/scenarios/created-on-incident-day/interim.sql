-- The interim's counters restarted behind the backup's: the people hired on the evening of the
-- incident day took ids 3 (employee) and 2 (contractor), already the backup's.
CREATE TABLE employee (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(20) NOT NULL,
  hired DATE NOT NULL
) ENGINE=InnoDB;
INSERT INTO employee VALUES (1, 'Ann', '2019-01-01'), (2, 'Bob', '2019-05-01'), (3, 'Dee', '2020-02-23');
CREATE TABLE contractor (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(20) NOT NULL,
  hired DATE NOT NULL
) ENGINE=InnoDB;
INSERT INTO contractor VALUES (1, 'Eve', '2019-02-01'), (2, 'Gus', '2020-02-23');
