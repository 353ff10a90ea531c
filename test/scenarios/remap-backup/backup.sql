-- The restored pre-incident snapshot: customers, their rentals, the rentals' payments.
CREATE TABLE customer (
  id INT AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(100) NOT NULL,
  name VARCHAR(50),
  created_at DATETIME NOT NULL,
  UNIQUE KEY uk_email (email)
);
CREATE TABLE rental (
  id INT AUTO_INCREMENT PRIMARY KEY,
  customer_id INT NOT NULL,
  film VARCHAR(50) NOT NULL,
  created_at DATETIME NOT NULL,
  CONSTRAINT fk_rental_customer FOREIGN KEY (customer_id) REFERENCES customer (id)
);
CREATE TABLE payment (
  id INT AUTO_INCREMENT PRIMARY KEY,
  rental_id INT NOT NULL,
  customer_id INT NOT NULL,
  amount DECIMAL(8,2) NOT NULL,
  created_at DATETIME NOT NULL,
  CONSTRAINT fk_payment_rental FOREIGN KEY (rental_id) REFERENCES rental (id),
  CONSTRAINT fk_payment_customer FOREIGN KEY (customer_id) REFERENCES customer (id)
);
INSERT INTO customer VALUES
  (1, 'a@x.io', 'Ann', '2019-01-01 10:00:00'),
  (2, 'b@x.io', 'Bob', '2019-02-01 10:00:00'),
  (3, 'c@x.io', 'Cid', '2019-03-01 10:00:00'),
  (4, 'd@x.io', 'Dee', '2019-04-01 10:00:00'),
  (5, 'e@x.io', 'Eve', '2019-05-01 10:00:00');
INSERT INTO rental VALUES
  (1, 1, 'Alien', '2019-06-01 10:00:00'),
  (2, 4, 'Brazil', '2019-06-02 10:00:00'),
  (3, 2, 'Casablanca', '2019-06-03 10:00:00'),
  (4, 5, 'Dune', '2019-06-04 10:00:00'),
  (5, 3, 'Eraserhead', '2019-06-05 10:00:00'),
  (6, 4, 'Fargo', '2019-06-06 10:00:00');
INSERT INTO payment VALUES
  (1, 1, 1, 3.00, '2019-06-01 10:00:00'),
  (2, 2, 4, 4.50, '2019-06-02 10:00:00'),
  (3, 4, 5, 2.00, '2019-06-04 10:00:00'),
  (4, 6, 4, 5.00, '2019-06-06 10:00:00');
