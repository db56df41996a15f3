//! Who may use the admin API, and for what (issue 18): the three roles, the role each admin
//! route needs, and personal admin tokens for scripts (`scimlab admin-user add`).
//!
//! **Roles.** *viewer* reads everything (redacted as always); *operator* also simulates, replays,
//! edits fault rules, profiles and settings, and resets a workspace; *owner* also reveals and
//! rotates SCIM keys and manages workspaces. This launch's admin token (`--admin-token`, the URL
//! `scimlab serve` prints, the desktop shell) is an owner. [`required_role`] is the one table of
//! what each route needs: reads need a viewer, the routes named there an owner, every other
//! write an operator (a route added later is never open to viewers by mistake).
//!
//! **Personal tokens** look like `slp_<id>_<secret>`: `id` (12 hex digits, public) finds the
//! user's row, `secret` (64 hex digits) is checked against its argon2id hash. Only the hash is
//! stored; the token is shown once. Checking a hash costs tens of milliseconds by design, so a
//! token checked once is remembered in memory ([`TokenCache`]), keyed by its id and the hash it
//! was checked against; the row is still read on every request, so a revoked token is refused
//! at once, by every instance on the database.

use crate::store::admin_users::AdminUserRow;
use crate::store::prelude::*;
use crate::store::{Conn, StoreError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use subtle::ConstantTimeEq;

/// What a caller of the admin API may do; each role may do everything the one before it may.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    strum::Display,
    strum::EnumString,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Role {
    /// Reads everything.
    Viewer,
    /// Also simulates, replays, edits fault rules, profiles and settings, resets a workspace.
    Operator,
    /// Also reveals and rotates keys and manages workspaces (and people).
    Owner,
}

/// How a caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum Via {
    /// This launch's admin token (header, or the cookie of `/?token=`).
    LaunchToken,
    /// A personal admin token (`scimlab admin-user add`).
    PersonalToken,
    /// A session opened by signing in with the team's identity provider.
    SignIn,
}

/// Who a request of the admin API comes from (a request extension set by the token check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The admin user's name, or the signed-in person's email; `None` for this launch's token.
    pub name: Option<String>,
    /// What the caller may do.
    pub role: Role,
    /// How it proved it.
    pub via: Via,
}

impl Caller {
    /// This launch's admin token.
    pub fn launch_token() -> Self {
        Self {
            name: None,
            role: Role::Owner,
            via: Via::LaunchToken,
        }
    }
}

/// Whether `url` names this machine's loopback (`127.0.0.0/8`, `::1`, `localhost`): the only
/// place plain `http` is taken for a provider or a team server, and where the desktop app's
/// sign-in redirect must go.
pub fn is_loopback_url(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// Why a personal token could not be made or checked.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The name is empty, too long or has characters a log line would mangle.
    #[error(
        "invalid admin user name '{0}': use 1 to 64 characters of letters, digits, '.', '_', '-' and '@'"
    )]
    Name(String),
    /// The system's random source failed.
    #[error("could not make a token: {0}")]
    Random(String),
    /// Hashing failed.
    #[error("could not hash the token: {0}")]
    Hash(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The prefix of every personal admin token.
pub const TOKEN_PREFIX: &str = "slp_";

/// A new personal token for `name` with `role`: the row to store and the token to show once.
pub fn new_token(name: &str, role: Role, now: &str) -> Result<(AdminUserRow, String), AccessError> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !valid {
        return Err(AccessError::Name(name.chars().take(80).collect()));
    }
    let mut random = [0u8; 6 + 32 + 16];
    getrandom::fill(&mut random).map_err(|e| AccessError::Random(e.to_string()))?;
    let (id, rest) = random.split_at(6);
    let (secret, salt) = rest.split_at(32);
    let id = hex(id);
    let secret = hex(secret);
    let salt = SaltString::encode_b64(salt).map_err(|e| AccessError::Hash(e.to_string()))?;
    let hash = argon2::Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map_err(|e| AccessError::Hash(e.to_string()))?
        .to_string();
    let token = format!("{TOKEN_PREFIX}{id}_{secret}");
    let row = AdminUserRow {
        name: name.to_owned(),
        role: role.to_string(),
        token_id: id,
        token_hash: hash,
        created: now.to_owned(),
        revoked: None,
    };
    Ok((row, token))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The id and secret of a personal token; `None` when `token` does not look like one.
fn split_token(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.strip_prefix(TOKEN_PREFIX)?.split_once('_')?;
    let hex_of = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex_of(id, 12) && hex_of(secret, 64)).then_some((id, secret))
}

/// Whether `token` has the shape of a personal token (`slp_…`), whatever its validity.
pub fn is_personal_token(token: &str) -> bool {
    token.starts_with(TOKEN_PREFIX)
}

/// Personal tokens checked already, and the ids whose last check failed (see
/// [`TokenCache::caller`]).
#[derive(Debug, Clone, Default)]
pub struct TokenCache {
    /// Token id → (the hash it was checked against, the token).
    known: Arc<Mutex<HashMap<String, (String, String)>>>,
    /// Token id → when a wrong secret was last sent with it.
    failed: Arc<Mutex<HashMap<String, std::time::Instant>>>,
    /// Hashes checked so far (each costs tens of milliseconds).
    hashes_checked: Arc<std::sync::atomic::AtomicU64>,
}

/// Tokens remembered at most (a flood of valid tokens is not a thing; the bound keeps it so),
/// and ids with a failed check remembered at most.
const CACHE_MAX: usize = 1024;

/// After a wrong secret for a token id, further unknown secrets for that id are refused
/// without checking a hash for this long: someone who knows a token's id cannot make the
/// server spend more than one hash check a second on it. A token checked before is still
/// taken at once.
const FAILED_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);

impl TokenCache {
    /// The caller `token` stands for, read from the database (`conn`: the main database's):
    /// `None` for a token of no user, of a revoked one, or with a wrong secret.
    pub async fn caller(
        &self,
        conn: &mut Conn,
        token: &str,
    ) -> Result<Option<Caller>, AccessError> {
        let Some((id, secret)) = split_token(token) else {
            return Ok(None);
        };
        let Some(row) = conn.admin_user_by_token(id).await? else {
            return Ok(None);
        };
        let Ok(role) = row.role.parse::<Role>() else {
            return Ok(None);
        };
        let caller = Caller {
            name: Some(row.name.clone()),
            role,
            via: Via::PersonalToken,
        };
        if row.revoked.is_some() {
            lock(&self.known).remove(id);
            return Ok(None);
        }
        let remembered = lock(&self.known).get(id).is_some_and(|(hash, known)| {
            *hash == row.token_hash && bool::from(known.as_bytes().ct_eq(token.as_bytes()))
        });
        if remembered {
            return Ok(Some(caller));
        }
        if lock(&self.failed)
            .get(id)
            .is_some_and(|at| at.elapsed() < FAILED_PAUSE)
        {
            return Ok(None);
        }
        self.hashes_checked
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let hash = row.token_hash.clone();
        let secret = secret.to_owned();
        // Tens of milliseconds of CPU: off the async threads.
        let valid = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash).is_ok_and(|parsed| {
                argon2::Argon2::default()
                    .verify_password(secret.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await
        .unwrap_or(false);
        if !valid {
            let mut failed = lock(&self.failed);
            if failed.len() >= CACHE_MAX {
                failed.clear();
            }
            failed.insert(id.to_owned(), std::time::Instant::now());
            return Ok(None);
        }
        lock(&self.failed).remove(id);
        let mut cache = lock(&self.known);
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(id.to_owned(), (row.token_hash, token.to_owned()));
        Ok(Some(caller))
    }

    /// How many hashes were checked so far.
    pub fn hashes_checked(&self) -> u64 {
        self.hashes_checked
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The role a request of the admin API needs: `method` on `path` (the path as the admin
/// listener got it; a workspace's routes `/api/workspaces/<slug>/…` need what `default`'s do).
pub fn required_role(method: &axum::http::Method, path: &str) -> Role {
    use axum::http::Method;
    let path = path.trim_end_matches('/');
    // `/api/workspaces/<slug>/<rest>` is `/api/<rest>` of that workspace.
    let local = path
        .strip_prefix("/api/workspaces/")
        .and_then(|rest| rest.split_once('/'))
        .map(|(_, rest)| format!("/api/{rest}"));
    let route = local.as_deref().unwrap_or(path);
    // Who did what, and who may: for owners.
    if path == "/api/audit" || path == "/api/admin-users" {
        return Role::Owner;
    }
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Role::Viewer;
    }
    let owner = [
        "/api/endpoint/reveal",
        "/api/endpoint/rotate",
        "/api/workspaces",
        "/api/workspaces/import",
    ];
    // Renaming or deleting a workspace: `/api/workspaces/<slug>` itself.
    let a_workspace = local.is_none()
        && path
            .strip_prefix("/api/workspaces/")
            .is_some_and(|slug| !slug.is_empty() && !slug.contains('/'));
    if owner.contains(&route) || a_workspace {
        return Role::Owner;
    }
    // A check that writes nothing.
    if *method == Method::POST && route == "/api/profiles/check" {
        return Role::Viewer;
    }
    Role::Operator
}

/// Whether a request of the admin API is an action the audit log keeps: one that may change
/// something (any method but `GET`, `HEAD`, `OPTIONS`), or takes data out (an export).
pub fn is_audited(method: &axum::http::Method, path: &str) -> bool {
    use axum::http::Method;
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) || path.ends_with("/export")
}

/// The workspace a request of the admin API acts on: the slug after `/api/workspaces/`, else
/// `default`.
pub fn workspace_of(path: &str) -> &str {
    match path.strip_prefix("/api/workspaces/") {
        Some(rest) => {
            let slug = rest.split('/').next().unwrap_or_default();
            if slug.is_empty() || slug == "import" {
                "default"
            } else {
                slug
            }
        }
        None => "default",
    }
}

/// The audit entry of a request `caller` made (`id` 0 until stored).
pub fn audit_entry(
    caller: &Caller,
    method: &axum::http::Method,
    path: &str,
    status: u16,
    client: Option<std::net::SocketAddr>,
) -> crate::store::audit::AuditEntry {
    crate::store::audit::AuditEntry {
        id: 0,
        at: crate::wire::now(),
        actor: caller
            .name
            .clone()
            .unwrap_or_else(|| "admin token".to_owned()),
        role: caller.role.to_string(),
        method: method.as_str().to_owned(),
        path: path.chars().take(512).collect(),
        workspace: workspace_of(path).chars().take(64).collect(),
        status: i64::from(status),
        client: client.map(|c| c.ip().to_string()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::Method;

    #[test]
    fn a_new_token_is_shown_once_and_only_its_hash_is_kept() {
        let (row, token) = new_token("ci-bot", Role::Operator, "2026-12-07T00:00:00.000Z").unwrap();
        let (id, secret) = split_token(&token).unwrap();
        assert_eq!(id, row.token_id);
        assert!(!row.token_hash.contains(secret), "the secret is not stored");
        assert!(
            row.token_hash.starts_with("$argon2id$"),
            "{}",
            row.token_hash
        );
        assert_eq!(row.role, "operator");
        let (_, other) = new_token("ci-bot", Role::Operator, "2026-12-07T00:00:00.000Z").unwrap();
        assert_ne!(token, other);
        for bad in ["", "has space", "new\nline", &"x".repeat(65)] {
            assert!(
                matches!(new_token(bad, Role::Viewer, "t"), Err(AccessError::Name(_))),
                "{bad:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_wrong_secret_pauses_hash_checks_of_its_id_but_not_a_known_token() {
        use crate::store::Store;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a.db")).await.unwrap();
        let (row, token) = new_token("ci-bot", Role::Viewer, "2026-12-07T00:00:00.000Z").unwrap();
        let mut w = store.write().await.unwrap();
        w.insert_admin_user(&row).await.unwrap();
        w.commit().await.unwrap();
        let cache = TokenCache::default();
        let mut r = store.read().await.unwrap();
        let wrong = format!("{TOKEN_PREFIX}{}_{}", row.token_id, "0".repeat(64));
        assert_eq!(
            cache.caller(&mut r, &token).await.unwrap().unwrap().role,
            Role::Viewer
        );
        assert_eq!(cache.hashes_checked(), 1);
        assert!(cache.caller(&mut r, &wrong).await.unwrap().is_none());
        assert_eq!(cache.hashes_checked(), 2);
        for _ in 0..5 {
            assert!(cache.caller(&mut r, &wrong).await.unwrap().is_none());
        }
        assert_eq!(cache.hashes_checked(), 2, "no hash checked while paused");
        assert!(
            cache.caller(&mut r, &token).await.unwrap().is_some(),
            "the known token is still taken"
        );
        // A process that never saw the right token waits out the pause, then checks again.
        let fresh = TokenCache::default();
        assert!(fresh.caller(&mut r, &wrong).await.unwrap().is_none());
        assert!(
            fresh.caller(&mut r, &token).await.unwrap().is_none(),
            "paused"
        );
        tokio::time::sleep(FAILED_PAUSE).await;
        assert!(fresh.caller(&mut r, &token).await.unwrap().is_some());
        assert_eq!(fresh.hashes_checked(), 2);
        drop(r);
        store.close().await;
    }

    #[test]
    fn only_well_formed_tokens_are_split() {
        assert!(split_token("slp_0123456789ab_".to_owned().as_str()).is_none());
        assert!(split_token(&format!("slp_0123456789ab_{}", "f".repeat(64))).is_some());
        assert!(split_token(&format!("slp_0123456789a_{}", "f".repeat(64))).is_none());
        assert!(split_token(&format!("slx_0123456789ab_{}", "f".repeat(64))).is_none());
        assert!(split_token(&format!("slp_0123456789ab_{}", "g".repeat(64))).is_none());
    }

    #[test]
    fn actions_are_audited_with_their_workspace() {
        assert!(is_audited(&Method::POST, "/api/faults"));
        assert!(is_audited(&Method::DELETE, "/api/workspaces/acme"));
        assert!(is_audited(&Method::GET, "/api/workspaces/acme/export"));
        assert!(is_audited(&Method::GET, "/api/exchanges/export"));
        assert!(!is_audited(&Method::GET, "/api/exchanges"));
        assert_eq!(workspace_of("/api/workspaces/acme/faults"), "acme");
        assert_eq!(workspace_of("/api/workspaces/acme"), "acme");
        assert_eq!(workspace_of("/api/workspaces/import"), "default");
        assert_eq!(workspace_of("/api/workspaces"), "default");
        assert_eq!(workspace_of("/api/faults"), "default");
    }

    #[test]
    fn each_route_needs_the_role_the_issue_names() {
        let cases: &[(Method, &str, Role)] = &[
            (Method::GET, "/api/exchanges", Role::Viewer),
            (Method::GET, "/api/workspaces/acme/exchanges", Role::Viewer),
            (Method::GET, "/api/events", Role::Viewer),
            (Method::GET, "/metrics", Role::Viewer),
            (Method::GET, "/api/workspaces/acme/export", Role::Viewer),
            (Method::POST, "/api/profiles/check", Role::Viewer),
            (Method::POST, "/api/simulations", Role::Operator),
            (Method::POST, "/api/workspaces/acme/replays", Role::Operator),
            (Method::POST, "/api/faults", Role::Operator),
            (Method::PATCH, "/api/faults/3", Role::Operator),
            (Method::DELETE, "/api/data", Role::Operator),
            (Method::DELETE, "/api/workspaces/acme/data", Role::Operator),
            (Method::PUT, "/api/settings", Role::Operator),
            (Method::PUT, "/api/profiles/active", Role::Operator),
            (Method::POST, "/api/endpoint/tunnel", Role::Operator),
            (Method::POST, "/api/endpoint/reveal", Role::Owner),
            (
                Method::POST,
                "/api/workspaces/acme/endpoint/rotate",
                Role::Owner,
            ),
            (Method::POST, "/api/workspaces", Role::Owner),
            (Method::POST, "/api/workspaces/import", Role::Owner),
            (Method::PATCH, "/api/workspaces/acme", Role::Owner),
            (Method::DELETE, "/api/workspaces/acme", Role::Owner),
            (Method::POST, "/api/something-new", Role::Operator),
            (Method::GET, "/api/audit", Role::Owner),
            (Method::GET, "/api/admin-users", Role::Owner),
        ];
        for (method, path, role) in cases {
            assert_eq!(required_role(method, path), *role, "{method} {path}");
        }
        assert!(Role::Viewer < Role::Operator && Role::Operator < Role::Owner);
    }
}
