-- Bob signed up again during the incident: a new id, the same email (in m_interim with other
-- letter case, equal under the column's _ci collation). Order 11 was restored early and still
-- points at id 2, which the interim does not have.
CREATE TABLE m_manual (
  id INT AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(100) COLLATE utf8mb4_general_ci NOT NULL,
  name VARCHAR(50) NOT NULL,
  UNIQUE KEY uk_email (email)
);
CREATE TABLE m_interim LIKE m_manual;
CREATE TABLE m_backup LIKE m_manual;
CREATE TABLE m_collide (
  id INT AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(100) COLLATE utf8mb4_general_ci NOT NULL,
  created_at DATETIME NOT NULL,
  UNIQUE KEY uk_email (email)
);
CREATE TABLE o_interim (
  id INT PRIMARY KEY,
  merchant_id INT NOT NULL,
  CONSTRAINT fk_oi FOREIGN KEY (merchant_id) REFERENCES m_interim (id)
);
CREATE TABLE o_backup (
  id INT PRIMARY KEY,
  merchant_id INT NOT NULL,
  CONSTRAINT fk_ob FOREIGN KEY (merchant_id) REFERENCES m_backup (id)
);
SET FOREIGN_KEY_CHECKS = 0;
INSERT INTO m_manual VALUES (1, 'a@x.io', 'Ann'), (3, 'b@x.io', 'Bob again');
INSERT INTO m_interim VALUES (1, 'a@x.io', 'Ann'), (3, 'B@X.io', 'Bob again');
INSERT INTO m_backup VALUES (1, 'a@x.io', 'Ann'), (3, 'b@x.io', 'Bob again');
INSERT INTO m_collide VALUES (5, 'e@x.io', '2020-02-24 00:00:00');
INSERT INTO o_interim VALUES (11, 2), (12, 3);
INSERT INTO o_backup VALUES (20, 3);
SET FOREIGN_KEY_CHECKS = 1;
