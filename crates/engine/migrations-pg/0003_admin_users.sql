-- People and scripts allowed into the admin API besides this launch's admin token (issue 18);
-- see the SQLite migration 0019. Read from the `default` workspace's schema only.
CREATE TABLE admin_users (
    name       TEXT COLLATE "C" PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'owner')),
    token_id   TEXT COLLATE "C" NOT NULL UNIQUE,
    token_hash TEXT NOT NULL,
    created    TEXT NOT NULL,
    revoked    TEXT
);
