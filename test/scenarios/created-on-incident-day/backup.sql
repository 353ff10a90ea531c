-- People whose creation time is a DATE: the incident began at 19:00 on 2020-02-23, so a row
-- dated that day may be from before it (the backup's) or after it (a new row that reused an id).
CREATE TABLE employee (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(20) NOT NULL,
  hired DATE NOT NULL
) ENGINE=InnoDB;
INSERT INTO employee VALUES (1, 'Ann', '2019-01-01'), (2, 'Bob', '2019-05-01'), (3, 'Cid', '2020-02-23');
CREATE TABLE contractor (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(20) NOT NULL,
  hired DATE NOT NULL
) ENGINE=InnoDB;
INSERT INTO contractor VALUES (1, 'Eve', '2019-02-01'), (2, 'Fay', '2020-02-23');
