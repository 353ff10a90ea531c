-- Orders and their items, with no foreign key declared anywhere (the application keeps the
-- link): the config names it. Orders are identified by (merchant_id, order_no).
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
  (1, 1, 'A-1', 10.00, '2020-02-01 10:00:00'),
  (2, 1, 'A-2', 21.00, '2020-02-20 10:00:00'),
  (3, 2, 'B-1', 30.00, '2020-02-21 10:00:00');
INSERT INTO order_items VALUES
  (1, 1, 'x', 1),
  (2, 3, 'y', 2);
