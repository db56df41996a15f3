//! PostgreSQL: team sign-in's rows; see `store/sign_in.rs`.

use super::PgConn;
use crate::store::Result;
use crate::store::api::SignInStore;
use crate::store::sign_in::{
    APP_CODE_COLUMNS, ATTEMPT_COLUMNS, ATTEMPTS_KEPT, AppCode, SESSION_COLUMNS, SessionRow,
    SignInAttempt,
};

impl SignInStore for PgConn {
    async fn begin_sign_in(&mut self, attempt: &SignInAttempt, now: i64) -> Result<()> {
        sqlx::query(
            "DELETE FROM sign_in_attempts WHERE expires_at < $1 OR state IN
                 (SELECT state FROM sign_in_attempts ORDER BY expires_at DESC OFFSET $2)",
        )
        .bind(now)
        .bind(ATTEMPTS_KEPT - 1)
        .execute(&mut *self)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO sign_in_attempts ({ATTEMPT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
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
            "DELETE FROM sign_in_attempts WHERE state = $1 RETURNING {ATTEMPT_COLUMNS}"
        ))
        .bind(state)
        .fetch_optional(self)
        .await?;
        Ok(taken.filter(|a| a.expires_at >= now))
    }

    async fn open_session(&mut self, session: &SessionRow, now: i64) -> Result<()> {
        sqlx::query("DELETE FROM admin_sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *self)
            .await?;
        sqlx::query(&format!(
            "INSERT INTO admin_sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
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
            "SELECT {SESSION_COLUMNS} FROM admin_sessions WHERE id_hash = $1 AND expires_at >= $2"
        ))
        .bind(id_hash)
        .bind(now)
        .fetch_optional(self)
        .await?)
    }

    async fn end_session(&mut self, id_hash: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM admin_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(self)
            .await?;
        Ok(done.rows_affected() > 0)
    }
    async fn keep_app_code(&mut self, code: &AppCode, now: i64) -> Result<()> {
        sqlx::query("DELETE FROM app_sign_in_codes WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *self)
            .await?;
        sqlx::query(&format!(
            "INSERT INTO app_sign_in_codes ({APP_CODE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
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
            "DELETE FROM app_sign_in_codes WHERE code_hash = $1 RETURNING {APP_CODE_COLUMNS}"
        ))
        .bind(code_hash)
        .fetch_optional(self)
        .await?;
        Ok(taken.filter(|c| c.expires_at >= now))
    }
}
