-- Mapping profiles the admin saved (the built-in ones live in code), and each user's role history.
CREATE TABLE mapping_profiles (
    id      TEXT PRIMARY KEY NOT NULL,
    profile TEXT NOT NULL,          -- JSON MappingProfile
    updated TEXT NOT NULL
);

CREATE TABLE role_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     TEXT NOT NULL,
    from_role   TEXT,               -- NULL for the first entry (the create)
    to_role     TEXT NOT NULL,
    to_status   TEXT NOT NULL,      -- mapped / defaulted / invalid / ambiguous
    raw         TEXT,               -- JSON of the raw role value that arrived, if any
    exchange_id INTEGER NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX role_history_user ON role_history (user_id, id);
