-- A log without any key (rows compare as a multiset: duplicates count), referencing customers.
CREATE TABLE customer (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(50) NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE TABLE log (
  customer_id INT NOT NULL,
  msg VARCHAR(50) NOT NULL,
  score DOUBLE NULL,
  CONSTRAINT fk_log_customer FOREIGN KEY (customer_id) REFERENCES customer (id)
);
INSERT INTO customer VALUES (1, 'Ann', '2019-01-01 00:00:00'), (2, 'Bob', '2019-02-01 00:00:00');
INSERT INTO log VALUES (1, 'hello', NULL), (1, 'hello', NULL), (1, 'hello', NULL), (2, 'x', 0.1);
