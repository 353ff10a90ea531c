-- Order 1 was edited during the incident (newer), order 2 holds an older edit than the backup's,
-- and id 3 went to another merchant's order: a collision by natural key.
CREATE TABLE orders (
  id INT AUTO_INCREMENT PRIMARY KEY,
  merchant_id INT NOT NULL,
  order_no VARCHAR(20) NOT NULL,
  total DECIMAL(10,2) NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE TABLE order_items (
  id INT AUTO_INCREMENT PRIMARY KEY,
  order_id INT NOT NULL,
  sku VARCHAR(20) NOT NULL,
  qty INT NOT NULL
);
INSERT INTO orders VALUES
  (1, 1, 'A-1', 12.00, '2020-02-24 10:00:00'),
  (2, 1, 'A-2', 20.00, '2020-02-10 10:00:00'),
  (3, 3, 'C-9', 99.00, '2020-02-24 11:00:00'),
  (4, 3, 'C-10', 5.00, '2020-02-25 11:00:00');
INSERT INTO order_items VALUES
  (1, 1, 'x', 1),
  (3, 3, 'z', 5),
  (4, 4, 'w', 1);
