-- Order id 2 went to a new order during the incident. Its lines have the same keys as the
-- backup's order 2 lines (line 1 even has the same content), and so does one of its taxes.
CREATE TABLE orders (
  id INT AUTO_INCREMENT PRIMARY KEY,
  note VARCHAR(50) NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE TABLE order_line (
  order_id INT NOT NULL,
  line_no INT NOT NULL,
  sku VARCHAR(20) NOT NULL,
  PRIMARY KEY (order_id, line_no),
  KEY ix_line (line_no, order_id),
  CONSTRAINT fk_line_order FOREIGN KEY (order_id) REFERENCES orders (id)
);
CREATE TABLE line_tax (
  order_id INT NOT NULL,
  line_no INT NOT NULL,
  tax_id INT NOT NULL,
  PRIMARY KEY (order_id, line_no, tax_id),
  CONSTRAINT fk_tax_line FOREIGN KEY (line_no, order_id) REFERENCES order_line (line_no, order_id)
);
INSERT INTO orders VALUES (1, 'first', '2019-01-01 00:00:00'), (2, 'new', '2020-02-24 00:00:00');
INSERT INTO order_line VALUES (1, 1, 'a'), (2, 1, 'b'), (2, 2, 'zz'), (2, 3, 'y');
INSERT INTO line_tax VALUES (2, 2, 7), (2, 3, 9);
