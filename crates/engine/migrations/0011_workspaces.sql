-- The directory of workspaces. Only the main database's table is read: each workspace other
-- than `default` keeps its data in its own file (workspaces/<slug>.db beside the main one),
-- and the main database is the `default` workspace, with all the data it held before.
CREATE TABLE workspaces (
    slug     TEXT PRIMARY KEY NOT NULL,   -- the <slug> of /w/<slug>/scim/v2; never changes
    name     TEXT NOT NULL,
    created  TEXT NOT NULL,               -- RFC 3339, UTC
    template TEXT                         -- entra-guide / okta-guide, when created from one
);
INSERT INTO workspaces (slug, name, created)
    VALUES ('default', 'Default', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
