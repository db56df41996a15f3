-- The admin API's audit log (issue 18): every action (a request that changes something, or takes
-- data out), who did it with which role, on which workspace, when, from where, and the answer.
-- Kept in the main database; the newest 100 000 entries are kept (store/audit.rs).
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    role      TEXT NOT NULL,
    method    TEXT NOT NULL,
    path      TEXT NOT NULL,
    workspace TEXT NOT NULL,
    status    INTEGER NOT NULL,
    client    TEXT
);
