-- Cy got id 3 (Bea's) during the incident and manages Di, hired after him.
CREATE TABLE employee (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(50) NOT NULL,
  manager_id INT NULL,
  created_at DATETIME NOT NULL,
  CONSTRAINT fk_manager FOREIGN KEY (manager_id) REFERENCES employee (id)
);
INSERT INTO employee VALUES
  (1, 'Boss', NULL, '2018-01-01 00:00:00'),
  (2, 'Al', 1, '2018-02-01 00:00:00'),
  (3, 'Cy', 2, '2020-02-24 00:00:00'),
  (4, 'Di', 3, '2020-02-25 00:00:00');
