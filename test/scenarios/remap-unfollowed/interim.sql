-- During the incident a new customer took id 2 (Bob's), ordered, and opened a ticket.
CREATE TABLE customer (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(20) NOT NULL,
  created_at DATETIME NOT NULL
) ENGINE=InnoDB;
INSERT INTO customer VALUES (1, 'Ann', '2020-01-01 00:00:00'), (2, 'Zed', '2020-03-01 00:00:00');
CREATE TABLE orders (
  id INT AUTO_INCREMENT PRIMARY KEY,
  customer_id INT NOT NULL,
  total DECIMAL(8,2) NOT NULL,
  created_at DATETIME NOT NULL
) ENGINE=InnoDB;
INSERT INTO orders VALUES (1, 1, 10.00, '2020-01-05 00:00:00'), (3, 2, 30.00, '2020-03-02 00:00:00');
CREATE TABLE ledger (id INT PRIMARY KEY, note VARCHAR(20) NOT NULL) ENGINE=InnoDB;
INSERT INTO ledger VALUES (1, 'opening');
CREATE TABLE tickets (id INT PRIMARY KEY, payload JSON NOT NULL) ENGINE=InnoDB;
INSERT INTO tickets VALUES (1, '{"customer_id": 1, "topic": "late"}'), (2, '{"customer_id": 2, "topic": "refund", "order_id": 3}');
