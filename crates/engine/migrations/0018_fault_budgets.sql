-- Budgets of fault rules (`times`, `every`, `probability`) counted in the database: one row
-- per rule's budget key (its name and content), so several instances on one database count one
-- budget (issue 17). The SQLite engine counts in memory; the table keeps both backends alike.
CREATE TABLE fault_budgets (
    key     TEXT PRIMARY KEY NOT NULL,
    matches INTEGER NOT NULL,
    hits    INTEGER NOT NULL
);
