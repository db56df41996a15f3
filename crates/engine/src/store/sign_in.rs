//! Team sign-in's rows (`sign_in_attempts`, `admin_sessions`, migration 0021): sign-ins with the
//! team's OpenID Connect provider under way, and the sessions they open. In the main database,
//! so every instance on one PostgreSQL database shares them (a sign-in may begin on one and
//! come back to another; a sign-out ends the session everywhere at once). The protocol itself
//! is the engine's `oidc` module and `admin_api/sign_in.rs`.

use super::api::SignInStore;
use super::{Result, SqliteConn};

/// Sign-ins under way kept at most: anyone may begin one, so the oldest go past this.
pub const ATTEMPTS_KEPT: i64 = 10_000;

/// A sign-in begun: what the provider's redirect back must match.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SignInAttempt {
    /// The `state` sent to the provider (random; finds this row once).
    pub state: String,
    /// The `nonce` the ID token must carry.
    pub nonce: String,
    /// The PKCE code verifier (its S256 challenge went to the provider).
    pub verifier: String,
    /// The `redirect_uri` sent (the token request repeats it).
    pub redirect_uri: String,
    /// Where in the admin UI to go once signed in (a path on this server).
    pub return_to: String,
    /// When it expires (Unix seconds).
    pub expires_at: i64,
}

/// A signed-in person's session.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    /// SHA-256 (hex) of the session id in the cookie.
    pub id_hash: String,
    /// Who, as shown (the email, or the subject when the provider sent none).
    pub name: String,
    /// The provider's `iss` and `sub`, joined by a space: the person, for good.
    pub subject: String,
    /// `viewer`, `operator` or `owner`, decided at sign-in.
    pub role: String,
    /// When it began (RFC 3339).
    pub created: String,
    /// When it ends (Unix seconds).
    pub expires_at: i64,
}

pub(super) const ATTEMPT_COLUMNS: &str =
    "state, nonce, verifier, redirect_uri, return_to, expires_at";
pub(super) const SESSION_COLUMNS: &str = "id_hash, name, subject, role, created, expires_at";
pub(super) const APP_CODE_COLUMNS: &str =
    "code_hash, challenge, redirect_uri, name, subject, role, session_ends, expires_at";

/// A one-time code handed to the desktop app's loopback redirect by a signed-in browser: the
/// app trades it, with its PKCE verifier, for a session of its own.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AppCode {
    /// SHA-256 (hex) of the code.
    pub code_hash: String,
    /// The app's PKCE S256 challenge.
    pub challenge: String,
    /// The app's loopback redirect URI (the trade repeats it).
    pub redirect_uri: String,
    /// Who signed in (as in [`SessionRow::name`]).
    pub name: String,
    /// The provider's `iss` and `sub`.
    pub subject: String,
    /// The role of the browser's session.
    pub role: String,
    /// When the browser's session ends (Unix seconds): the app's ends no later.
    pub session_ends: i64,
    /// When the code expires (Unix seconds).
    pub expires_at: i64,
}

impl SignInStore for SqliteConn {
    async fn begin_sign_in(&mut self, attempt: &SignInAttempt, now: i64) -> Result<()> {
        sqlx::query(
            "DELETE FROM sign_in_attempts WHERE expires_at < ?1 OR state IN
                 (SELECT state FROM sign_in_attempts ORDER BY expires_at DESC LIMIT -1 OFFSET ?2)",
        )
        .bind(now)
        .bind(ATTEMPTS_KEPT - 1)
        .execute(&mut *self)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO sign_in_attempts ({ATTEMPT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
        ))
        .bind(&attempt.state)
        .bind(&attempt.nonce)
        .bind(&attempt.verifier)
        .bind(&attempt.redirect_uri)
        .bind(&attempt.return_to)
        .bind(attempt.expires_at)
        .execute(self)
        .await?;
        Ok(())
    }

    async fn take_sign_in(&mut self, state: &str, now: i64) -> Result<Option<SignInAttempt>> {
        let taken: Option<SignInAttempt> = sqlx::query_as(&format!(
            "DELETE FROM sign_in_attempts WHERE state = ? RETURNING {ATTEMPT_COLUMNS}"
        ))
        .bind(state)
        .fetch_optional(self)
        .await?;
        Ok(taken.filter(|a| a.expires_at >= now))
    }

    async fn open_session(&mut self, session: &SessionRow, now: i64) -> Result<()> {
        sqlx::query("DELETE FROM admin_sessions WHERE expires_at < ?")
            .bind(now)
            .execute(&mut *self)
            .await?;
        sqlx::query(&format!(
            "INSERT INTO admin_sessions ({SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
        ))
        .bind(&session.id_hash)
        .bind(&session.name)
        .bind(&session.subject)
        .bind(&session.role)
        .bind(&session.created)
        .bind(session.expires_at)
        .execute(self)
        .await?;
        Ok(())
    }

    async fn session(&mut self, id_hash: &str, now: i64) -> Result<Option<SessionRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM admin_sessions WHERE id_hash = ? AND expires_at >= ?"
        ))
        .bind(id_hash)
        .bind(now)
        .fetch_optional(self)
        .await?)
    }

    async fn end_session(&mut self, id_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM admin_sessions WHERE id_hash = ?")
            .bind(id_hash)
            .execute(self)
            .await?;
        Ok(done.rows_affected() > 0)
    }
    async fn keep_app_code(&mut self, code: &AppCode, now: i64) -> Result<()> {
        sqlx::query("DELETE FROM app_sign_in_codes WHERE expires_at < ?")
            .bind(now)
            .execute(&mut *self)
            .await?;
        sqlx::query(&format!(
            "INSERT INTO app_sign_in_codes ({APP_CODE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(&code.code_hash)
        .bind(&code.challenge)
        .bind(&code.redirect_uri)
        .bind(&code.name)
        .bind(&code.subject)
        .bind(&code.role)
        .bind(code.session_ends)
        .bind(code.expires_at)
        .execute(self)
        .await?;
        Ok(())
    }

    async fn take_app_code(&mut self, code_hash: &str, now: i64) -> Result<Option<AppCode>> {
        let taken: Option<AppCode> = sqlx::query_as(&format!(
            "DELETE FROM app_sign_in_codes WHERE code_hash = ? RETURNING {APP_CODE_COLUMNS}"
        ))
        .bind(code_hash)
        .fetch_optional(self)
        .await?;
        Ok(taken.filter(|c| c.expires_at >= now))
    }
}
