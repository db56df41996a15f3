-- Budgets of fault rules counted in the database, shared by every instance (issue 17): one row
-- per rule's budget key (its name and content), updated by single atomic statements.
CREATE TABLE fault_budgets (
    key     TEXT COLLATE "C" PRIMARY KEY,
    matches BIGINT NOT NULL,
    hits    BIGINT NOT NULL
);
