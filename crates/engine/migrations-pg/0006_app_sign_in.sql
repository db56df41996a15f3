-- The desktop app signing in to a team server through the system browser (issue 18); see the
-- SQLite migration 0022.
CREATE TABLE app_sign_in_codes (
    code_hash    TEXT COLLATE "C" PRIMARY KEY,
    challenge    TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    name         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'owner')),
    session_ends BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX app_sign_in_codes_expiry ON app_sign_in_codes (expires_at);
