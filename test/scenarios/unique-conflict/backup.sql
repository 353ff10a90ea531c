-- Merchants that re-registered during the incident (a new id, the same email), under each
-- onUniqueConflict policy, with orders that must follow the merchant that is kept.
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
INSERT INTO m_manual VALUES (1, 'a@x.io', 'Ann'), (2, 'b@x.io', 'Bob');
INSERT INTO m_interim VALUES (1, 'a@x.io', 'Ann'), (2, 'b@x.io', 'Bob');
INSERT INTO m_backup VALUES (1, 'a@x.io', 'Ann'), (2, 'b@x.io', 'Bob');
INSERT INTO m_collide VALUES (5, 'e@x.io', '2019-05-01 00:00:00');
INSERT INTO o_interim VALUES (10, 2), (11, 2);
INSERT INTO o_backup VALUES (10, 2);
