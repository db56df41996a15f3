-- Team sign-in with the team's OpenID Connect provider (issue 18). Kept in the main database
-- (the `default` workspace's), so that every instance on one PostgreSQL database shares them:
-- a sign-in begun on one instance may come back to another, and a sign-out ends the session
-- on all of them at once.
--
-- A sign-in begun and not finished yet: its `state` (in the provider's redirect) finds it once;
-- finishing it deletes it, so a replayed callback finds nothing. `nonce` must come back in the
-- ID token; `verifier` is the PKCE code verifier. Times are Unix seconds.
CREATE TABLE sign_in_attempts (
    state        TEXT PRIMARY KEY NOT NULL,
    nonce        TEXT NOT NULL,
    verifier     TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    return_to    TEXT NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sign_in_attempts_expiry ON sign_in_attempts (expires_at);

-- A signed-in person's session. The cookie holds a random id; only its SHA-256 is stored.
CREATE TABLE admin_sessions (
    id_hash    TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'owner')),
    created    TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX admin_sessions_expiry ON admin_sessions (expires_at);
