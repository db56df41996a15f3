-- People and scripts allowed into the admin API besides this launch's admin token (issue 18):
-- one row per personal admin token (`scimlab admin-user add`). Kept in the main database (the
-- `default` workspace's), like the directory of workspaces. The token itself is never stored:
-- `token_id` (public, in the token) finds the row, `token_hash` (argon2id, PHC string) checks
-- the secret. A revoked row stays (who had access, until when); its token is refused.
CREATE TABLE admin_users (
    name       TEXT PRIMARY KEY NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'owner')),
    token_id   TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL,
    created    TEXT NOT NULL,
    revoked    TEXT
);
