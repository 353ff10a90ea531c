-- The interim: customers 1-3, rentals 1-2 and payment 1 were restored early (rental 2 still
-- points at customer 4, the backup's Dee); then the business ran on it and its auto-increment
-- handed out ids the backup already used.
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
SET FOREIGN_KEY_CHECKS = 0;
INSERT INTO customer VALUES
  (1, 'a@x.io', 'Ann', '2019-01-01 10:00:00'),
  (2, 'b@x.io', 'Bobby', '2019-02-01 10:00:00'),
  (3, 'c@x.io', 'Cid', '2019-03-01 10:00:00'),
  (4, 'f@x.io', 'Fay', '2020-02-24 09:00:00'),
  (5, 'g@x.io', 'Gus', '2020-02-25 09:00:00'),
  (6, 'h@x.io', 'Hal', '2020-02-26 09:00:00');
INSERT INTO rental VALUES
  (1, 1, 'Alien', '2019-06-01 10:00:00'),
  (2, 4, 'Brazil', '2019-06-02 10:00:00'),
  (3, 4, 'Heat', '2020-02-24 10:00:00'),
  (4, 6, 'Ikiru', '2020-02-25 10:00:00'),
  (5, 5, 'Jaws', '2020-02-25 11:00:00'),
  (6, 1, 'Kes', '2020-02-26 10:00:00'),
  (7, 4, 'Lola', '2020-02-26 11:00:00');
INSERT INTO payment VALUES
  (1, 1, 1, 3.00, '2019-06-01 10:00:00'),
  (2, 3, 4, 9.00, '2020-02-24 10:00:00'),
  (3, 5, 5, 1.00, '2020-02-25 11:00:00'),
  (5, 7, 4, 2.50, '2020-02-26 11:00:00');
SET FOREIGN_KEY_CHECKS = 1;
