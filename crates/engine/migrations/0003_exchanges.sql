-- Captured exchanges on the SCIM listener, already redacted (no key, no password).
CREATE TABLE exchanges (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    at                 TEXT NOT NULL,
    method             TEXT NOT NULL,
    path               TEXT NOT NULL,
    query              TEXT NOT NULL,
    status             INTEGER NOT NULL,
    latency_ms         REAL NOT NULL,
    client_addr        TEXT,
    idp                TEXT NOT NULL,
    idp_reason         TEXT NOT NULL,
    operation          TEXT NOT NULL,
    quirks             TEXT NOT NULL,            -- JSON array of labels
    resource_type      TEXT,
    resource_id        TEXT,
    resource_name      TEXT,
    request_headers    TEXT NOT NULL,            -- JSON array of [name, value]
    request_body       TEXT,
    request_truncated  INTEGER NOT NULL,
    response_headers   TEXT NOT NULL,
    response_body      TEXT,
    response_truncated INTEGER NOT NULL,
    auth               TEXT NOT NULL,            -- JSON AuthSummary
    before             TEXT,                     -- JSON resource before a write
    after              TEXT                      -- JSON resource after a write
);
CREATE INDEX exchanges_resource ON exchanges (resource_id, id);
CREATE INDEX exchanges_idp ON exchanges (idp, id);
CREATE INDEX exchanges_operation ON exchanges (operation, id);
CREATE INDEX exchanges_status ON exchanges (status, id);
