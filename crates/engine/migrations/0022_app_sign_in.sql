-- The desktop app signing in to a team server through the system browser (issue 18, RFC 8252):
-- a signed-in browser is handed a one-time code for the app's loopback redirect; the app trades
-- it, with the PKCE verifier only it holds, for a session of its own. One row per code handed
-- out and not yet traded (SHA-256 of the code; two minutes), with when the browser's session
-- ends: the app's session never outlives it.
CREATE TABLE app_sign_in_codes (
    code_hash    TEXT PRIMARY KEY NOT NULL,
    challenge    TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    name         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'owner')),
    session_ends INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX app_sign_in_codes_expiry ON app_sign_in_codes (expires_at);
