/**
 * The demo shop (DESIGN.md §1): merchants sell products to customers; orders hold items and are
 * paid. `order_items.order_id` is deliberately not a declared foreign key (the config names it in
 * `references`, as DBAs must for schemas without one), and `audit_log` has no key at all.
 */

/** Column names per table, in DDL order: the order the generator fills rows in. */
export const SHOP_COLUMNS = {
  merchants: ['id', 'email', 'name', 'plan', 'created_at', 'updated_at'],
  customers: ['id', 'merchant_id', 'email', 'name', 'created_at', 'updated_at'],
  products: [
    'id',
    'merchant_id',
    'sku',
    'title',
    'price',
    'attributes',
    'created_at',
    'updated_at',
  ],
  orders: [
    'id',
    'merchant_id',
    'customer_id',
    'order_no',
    'status',
    'total',
    'created_at',
    'updated_at',
  ],
  order_items: ['id', 'order_id', 'product_id', 'quantity', 'unit_price', 'created_at'],
  payments: ['id', 'order_id', 'amount', 'method', 'reference', 'created_at'],
  audit_log: ['at', 'actor', 'action', 'detail'],
} as const;

export type ShopTable = keyof typeof SHOP_COLUMNS;

/** Tables in load order: parents before children. */
export const SHOP_TABLES: readonly ShopTable[] = [
  'merchants',
  'customers',
  'products',
  'orders',
  'order_items',
  'payments',
  'audit_log',
];

/** Tables whose rows have an AUTO_INCREMENT id (every table but the audit log). */
export const KEYED_TABLES: readonly Exclude<ShopTable, 'audit_log'>[] = [
  'merchants',
  'customers',
  'products',
  'orders',
  'order_items',
  'payments',
];

export const SHOP_DDL: readonly string[] = [
  `CREATE TABLE merchants (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(190) NOT NULL,
  name VARCHAR(100) NOT NULL,
  plan ENUM('free','pro','enterprise') NOT NULL DEFAULT 'free',
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY uk_merchants_email (email)
) ENGINE=InnoDB`,
  `CREATE TABLE customers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  merchant_id INT UNSIGNED NOT NULL,
  email VARCHAR(190) NOT NULL,
  name VARCHAR(100) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  CONSTRAINT fk_customers_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
) ENGINE=InnoDB`,
  `CREATE TABLE products (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  merchant_id INT UNSIGNED NOT NULL,
  sku VARCHAR(40) NOT NULL,
  title VARCHAR(200) NOT NULL,
  price DECIMAL(12,2) NOT NULL,
  attributes JSON NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY uk_products_sku (merchant_id, sku),
  CONSTRAINT fk_products_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
) ENGINE=InnoDB`,
  `CREATE TABLE orders (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  merchant_id INT UNSIGNED NOT NULL,
  customer_id INT UNSIGNED NOT NULL,
  order_no VARCHAR(20) NOT NULL,
  status ENUM('new','paid','shipped','cancelled') NOT NULL,
  total DECIMAL(12,2) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY uk_orders_no (merchant_id, order_no),
  CONSTRAINT fk_orders_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB`,
  `CREATE TABLE order_items (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT UNSIGNED NOT NULL,
  product_id INT UNSIGNED NOT NULL,
  quantity INT NOT NULL,
  unit_price DECIMAL(12,2) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  KEY ix_order_items_order (order_id),
  CONSTRAINT fk_order_items_product FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE=InnoDB`,
  `CREATE TABLE payments (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT UNSIGNED NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  method ENUM('card','transfer','wallet') NOT NULL,
  reference VARBINARY(16) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  CONSTRAINT fk_payments_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB`,
  `CREATE TABLE audit_log (
  at DATETIME(3) NOT NULL,
  actor VARCHAR(64) NOT NULL,
  action VARCHAR(64) NOT NULL,
  detail TEXT NULL
) ENGINE=InnoDB`,
];
