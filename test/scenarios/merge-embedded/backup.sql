-- Departments identified by dept_no, with a unique name; dept_emp's key embeds dept_no.
CREATE TABLE departments (
  dept_no CHAR(4) NOT NULL PRIMARY KEY,
  dept_name VARCHAR(40) NOT NULL,
  UNIQUE KEY uk_name (dept_name)
) ENGINE=InnoDB;
INSERT INTO departments VALUES ('d001', 'Marketing'), ('d002', 'Finance'), ('d009', 'Quality');
CREATE TABLE dept_emp (
  emp_no INT NOT NULL,
  dept_no CHAR(4) NOT NULL,
  from_date DATE NOT NULL,
  PRIMARY KEY (emp_no, dept_no),
  CONSTRAINT fk_de_dept FOREIGN KEY (dept_no) REFERENCES departments (dept_no)
) ENGINE=InnoDB;
INSERT INTO dept_emp VALUES (1, 'd001', '2019-01-01'), (2, 'd009', '2019-02-01'), (3, 'd009', '2019-03-01');
