//! The SCIM API key: generated on first start, stored in the database, checked in constant time.
//!
//! The key is 32 random bytes from the OS, base64url without padding (43 characters). Requests
//! may send `Authorization: Bearer <key>` or the bare key (Okta's HTTP Header mode may send the
//! field verbatim); a bare key is accepted and labelled `auth.bare-token`. Error details say what
//! was wrong without ever echoing the key.
//!
//! Imports `store` only (the key lives in `settings`).

use crate::store::prelude::*;
use crate::store::{self, Conn, Store};
use axum::http::{HeaderMap, header};
use base64::Engine as _;
use scimlab_scim::{Quirk, ScimError};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// The settings key the SCIM API key is stored under.
pub const KEY_SETTING: &str = "scim_api_key";

/// Why a request was not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization` header.
    Missing,
    /// A scheme other than Bearer (e.g. `Basic`).
    WrongScheme,
    /// A key that is not this endpoint's key.
    UnknownKey,
}

impl AuthFailure {
    /// The 401 SCIM error for this failure; never contains the key sent.
    pub fn to_error(self) -> ScimError {
        let detail = match self {
            Self::Missing => {
                "missing authorization header: send 'Authorization: Bearer <scim api key>' (run 'scimlab token show' to print the key)"
            }
            Self::WrongScheme => {
                "unsupported authorization scheme: send 'Authorization: Bearer <scim api key>'"
            }
            Self::UnknownKey => {
                "the api key sent is not this endpoint's key: copy it again with 'scimlab token show' (it changes on 'scimlab token rotate')"
            }
        };
        ScimError::new(401, None, detail)
    }
}

/// Generate a new key: 32 bytes of OS randomness, base64url without padding, never starting
/// with `-` or `_`. (One key in 64 began with `-`; pasted after `--token`, a command-line parser
/// takes it for an option: `scimlab bench --token -Lx…` failed with "unexpected argument '-L'".)
pub fn generate_key() -> std::io::Result<String> {
    loop {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        // 62 chances in 64 the first time: the loop ends almost at once.
        if key.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Ok(key);
        }
    }
}

/// The stored key, generating and storing one on first use.
pub async fn load_or_create_key(conn: &mut Conn) -> Result<String, KeyError> {
    if let Some(k) = conn.setting(KEY_SETTING).await? {
        return Ok(k);
    }
    let key = generate_key()?;
    conn.set_setting(KEY_SETTING, &key).await?;
    Ok(key)
}

/// Store `key` as the SCIM API key (after validating it).
pub async fn set_key(conn: &mut Conn, key: &str) -> Result<(), KeyError> {
    validate_key(key)?;
    conn.set_setting(KEY_SETTING, key).await?;
    Ok(())
}

/// Replace the key with a new random one and return it.
pub async fn rotate_key(conn: &mut Conn) -> Result<String, KeyError> {
    let key = generate_key()?;
    conn.set_setting(KEY_SETTING, &key).await?;
    Ok(key)
}

/// A key given on the command line must be usable in a header and long enough to be a secret.
pub fn validate_key(key: &str) -> Result<(), KeyError> {
    if key.len() < 16 {
        return Err(KeyError::Invalid(format!(
            "the key is {} characters long: use at least 16",
            key.len()
        )));
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(KeyError::Invalid(
            "the key holds spaces or non-ascii characters: use printable ascii only".into(),
        ));
    }
    Ok(())
}

/// Errors loading or storing the key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// The OS random source failed.
    #[error("could not read os randomness: {0}")]
    Random(#[from] std::io::Error),
    /// A key given by the user is unusable.
    #[error("invalid scim api key: {0}")]
    Invalid(String),
}

/// Check an `Authorization` header value against `key` in constant time.
/// Returns the quirk used (a bare key) on success.
pub fn check(header: Option<&str>, key: &str) -> Result<Option<Quirk>, AuthFailure> {
    let Some(raw) = header.map(str::trim).filter(|h| !h.is_empty()) else {
        return Err(AuthFailure::Missing);
    };
    let (candidate, quirk) = match raw.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => (rest.trim(), None),
        Some(_) => return Err(AuthFailure::WrongScheme),
        None => (raw, Some(Quirk::BareToken)),
    };
    if bool::from(candidate.as_bytes().ct_eq(key.as_bytes())) {
        Ok(quirk)
    } else {
        Err(AuthFailure::UnknownKey)
    }
}

/// How long a key read from the store is trusted without reading it again. A key the cache
/// does not hold is always read again (a key rotated by `scimlab token rotate` in another
/// process works at once); a key the cache holds is read again when the last read is older than
/// this, so a key rotated away in another process stops working within this time. A rotation
/// through the admin API or the UI sets the cache itself: the old key stops working at once.
pub const KEY_TRUSTED_FOR: Duration = Duration::from_millis(100);

/// The SCIM key as last read from the store, and when: a request whose key matches a fresh
/// copy is checked without a database round trip (it was one per request: about a fifth of a
/// create's CPU time on the 2-core bench machine).
#[derive(Debug)]
pub struct KeyCache {
    key: RwLock<String>,
    read_at: Mutex<Option<Instant>>,
}

impl KeyCache {
    /// A cache holding `key`, just read from the store.
    pub fn new(key: String) -> Self {
        Self {
            key: RwLock::new(key),
            read_at: Mutex::new(Some(Instant::now())),
        }
    }

    /// The key as last read.
    pub fn get(&self) -> String {
        self.key
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Hold `key`, just read from (or written to) the store.
    pub fn set(&self, key: String) {
        *self.key.write().unwrap_or_else(PoisonError::into_inner) = key;
        *self.read_at.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
    }

    /// Whether the copy was read from the store less than [`KEY_TRUSTED_FOR`] ago.
    fn is_fresh(&self) -> bool {
        self.read_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|at| at.elapsed() < KEY_TRUSTED_FOR)
    }

    /// [`check`] against the cached key.
    fn check(&self, header: Option<&str>) -> Result<Option<Quirk>, AuthFailure> {
        check(
            header,
            &self.key.read().unwrap_or_else(PoisonError::into_inner),
        )
    }
}

/// Check a request's `Authorization` header against the SCIM API key: Bearer or bare key,
/// constant-time compare. `Ok` carries the quirk used (a bare key).
///
/// A key matching the cached copy read less than [`KEY_TRUSTED_FOR`] ago passes without
/// reading the store; any other is checked against the key read from the store (a primary-key
/// lookup on a pooled read connection), which refreshes the cache. When the store cannot
/// answer, the cached key decides.
pub async fn check_request(
    store: &Store,
    cached: &KeyCache,
    headers: &HeaderMap,
) -> Result<Option<Quirk>, AuthFailure> {
    let header = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    if cached.is_fresh()
        && let Ok(quirk) = cached.check(header)
    {
        return Ok(quirk);
    }
    let stored = match store.read().await {
        Ok(mut conn) => conn.setting(KEY_SETTING).await.ok().flatten(),
        Err(_) => None,
    };
    match stored {
        Some(stored) => {
            let outcome = check(header, &stored);
            cached.set(stored);
            outcome
        }
        None => cached.check(header),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(key: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            format!("Bearer {key}").parse().unwrap(),
        );
        h
    }

    #[tokio::test]
    async fn a_key_rotated_in_the_store_works_at_once_and_the_old_one_stops_within_the_trust_time()
    {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.db")).await.unwrap();
        let old = {
            let mut w = store.write().await.unwrap();
            let k = load_or_create_key(&mut w).await.unwrap();
            w.commit().await.unwrap();
            k
        };
        let cache = KeyCache::new(old.clone());
        assert_eq!(check_request(&store, &cache, &bearer(&old)).await, Ok(None));
        // Another process rotates the key in the database.
        let new = {
            let mut w = store.write().await.unwrap();
            let k = rotate_key(&mut w).await.unwrap();
            w.commit().await.unwrap();
            k
        };
        assert_eq!(check_request(&store, &cache, &bearer(&new)).await, Ok(None));
        assert_eq!(cache.get(), new, "reading the store refreshed the copy");
        assert_eq!(
            check_request(&store, &cache, &bearer(&old)).await,
            Err(AuthFailure::UnknownKey)
        );
        // A copy older than the trust time is read again: a rotation away from the cached key
        // is seen even though the key sent matches the copy.
        let newer = {
            let mut w = store.write().await.unwrap();
            let k = rotate_key(&mut w).await.unwrap();
            w.commit().await.unwrap();
            k
        };
        tokio::time::sleep(KEY_TRUSTED_FOR + Duration::from_millis(20)).await;
        assert_eq!(
            check_request(&store, &cache, &bearer(&new)).await,
            Err(AuthFailure::UnknownKey)
        );
        assert_eq!(
            check_request(&store, &cache, &bearer(&newer)).await,
            Ok(None)
        );
        store.close().await;
    }

    #[test]
    fn generated_keys_never_start_like_a_command_line_option() {
        // Without the rule, 2 000 keys hold one starting with `-` or `_` but for a chance of
        // (62/64)^2000, about 1e-28.
        for _ in 0..2000 {
            let key = generate_key().unwrap();
            assert!(
                key.starts_with(|c: char| c.is_ascii_alphanumeric()),
                "{key}"
            );
        }
    }

    #[test]
    fn generated_keys_are_long_url_safe_and_distinct() {
        let a = generate_key().unwrap();
        let b = generate_key().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn bearer_and_bare_keys_are_accepted() {
        let key = "k".repeat(43);
        assert_eq!(check(Some(&format!("Bearer {key}")), &key), Ok(None));
        assert_eq!(check(Some(&format!("bearer  {key}")), &key), Ok(None));
        assert_eq!(check(Some(&key), &key), Ok(Some(Quirk::BareToken)));
    }

    #[test]
    fn failures_are_told_apart_without_echoing_the_key() {
        let key = "secret-key-0123456789";
        assert_eq!(check(None, key), Err(AuthFailure::Missing));
        assert_eq!(
            check(Some("Basic dXNlcjpwYXNz"), key),
            Err(AuthFailure::WrongScheme)
        );
        assert_eq!(
            check(Some("Bearer nope"), key),
            Err(AuthFailure::UnknownKey)
        );
        assert_eq!(
            check(Some(&format!("Bearer {key}x")), key),
            Err(AuthFailure::UnknownKey)
        );
        for f in [
            AuthFailure::Missing,
            AuthFailure::WrongScheme,
            AuthFailure::UnknownKey,
        ] {
            assert!(!f.to_error().detail.contains(key));
        }
    }

    #[test]
    fn user_keys_are_validated() {
        assert!(validate_key("short").is_err());
        assert!(validate_key("has a space in the key!").is_err());
        assert!(validate_key("a-long-enough-key-123").is_ok());
    }
}
