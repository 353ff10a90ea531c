-- During the incident d002 was renamed Quality (d009 not restored yet); employee 3 was also
-- put in d002. Restoring d009 would hold Quality twice: onUniqueConflict keeps the interim's
-- d002 and merges d009 into it, so d009's people move to d002 (their key embeds it); employee
-- 3's row would then be there twice, and onUniqueConflict keeps the interim's.
CREATE TABLE departments (
  dept_no CHAR(4) NOT NULL PRIMARY KEY,
  dept_name VARCHAR(40) NOT NULL,
  UNIQUE KEY uk_name (dept_name)
) ENGINE=InnoDB;
INSERT INTO departments VALUES ('d001', 'Marketing'), ('d002', 'Quality');
CREATE TABLE dept_emp (
  emp_no INT NOT NULL,
  dept_no CHAR(4) NOT NULL,
  from_date DATE NOT NULL,
  PRIMARY KEY (emp_no, dept_no),
  CONSTRAINT fk_de_dept FOREIGN KEY (dept_no) REFERENCES departments (dept_no)
) ENGINE=InnoDB;
INSERT INTO dept_emp VALUES (1, 'd001', '2019-01-01'), (3, 'd002', '2020-03-01');
