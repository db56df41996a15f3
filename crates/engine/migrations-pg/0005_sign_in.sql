-- Team sign-in with the team's OpenID Connect provider (issue 18); see the SQLite migration 0021.
-- Read from the `default` workspace's schema only.
CREATE TABLE sign_in_attempts (
    state        TEXT COLLATE "C" PRIMARY KEY,
    nonce        TEXT NOT NULL,
    verifier     TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    return_to    TEXT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sign_in_attempts_expiry ON sign_in_attempts (expires_at);

CREATE TABLE admin_sessions (
    id_hash    TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'owner')),
    created    TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX admin_sessions_expiry ON admin_sessions (expires_at);
