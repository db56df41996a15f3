-- ScimLab store, version 1.
-- One table for Users and Groups (they share every column the server indexes); group membership
-- in its own table so a user's `groups` and member removal are indexed lookups, not JSON scans.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE resources (
    pk            INTEGER PRIMARY KEY AUTOINCREMENT,  -- creation order: stable paging
    kind          TEXT NOT NULL CHECK (kind IN ('User', 'Group')),
    id            TEXT NOT NULL UNIQUE,               -- SCIM id, server-assigned, case-exact
    name_folded   TEXT NOT NULL,                      -- lowercased userName / group displayName
    external_id   TEXT,                               -- case-exact per RFC 7643
    display_name  TEXT,
    attributes    TEXT NOT NULL,                      -- JSON object: schemas + attributes as stored
    version       INTEGER NOT NULL,                   -- bumped on every write; meta.version = W/"<n>"
    created       TEXT NOT NULL,                      -- RFC 3339, UTC, milliseconds
    last_modified TEXT NOT NULL
);

-- userName (users) and displayName (groups) are unique and case-insensitive: the database, not a
-- check-then-insert, decides which of two racing creates wins.
CREATE UNIQUE INDEX resources_kind_name ON resources (kind, name_folded);
CREATE INDEX resources_kind_external_id ON resources (kind, external_id);

CREATE TABLE group_members (
    group_pk INTEGER NOT NULL REFERENCES resources (pk) ON DELETE CASCADE,
    value    TEXT NOT NULL,                           -- member id as sent
    position INTEGER NOT NULL,                        -- order of arrival
    item     TEXT NOT NULL,                           -- JSON object as sent (value, display, type, $ref)
    PRIMARY KEY (group_pk, value)
);
CREATE INDEX group_members_value ON group_members (value);
