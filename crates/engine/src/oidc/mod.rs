//! Sign-in with the team's OpenID Connect provider (Entra ID, Okta, any OIDC issuer), for the
//! admin UI of a team server: what the engine needs to know about the provider
//! ([`OidcSettings`]), who may sign in with which role ([`rules`]), and the protocol with the
//! provider ([`provider`]: discovery, the authorization code flow with PKCE, ID tokens checked
//! against the provider's JWKS, which is fetched again when a token names a key it does not
//! hold, so a key rotation is followed). Written here rather than with a client crate: the
//! checks are few and exact, and the errors must say what to change in the provider's setup.
//!
//! The HTTP side (routes, cookies, sessions) is `admin_api/sign_in.rs`; the sessions are kept
//! in the main database (`store/sign_in.rs`).

pub mod provider;
pub mod rules;

pub use provider::{Identity, Provider};
pub use rules::SignInRule;

use std::time::Duration;

/// Scopes asked for when none are configured: the ID token then carries `email`.
pub const DEFAULT_SCOPES: &str = "openid email profile";
/// The claim read for group rules when none is configured (Entra ID and Okta both say `groups`).
pub const DEFAULT_GROUPS_CLAIM: &str = "groups";
/// How long a session lasts when not configured.
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(8 * 3600);
/// How long a sign-in may take between leaving for the provider and coming back.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// The team's provider, as configured (`--oidc-issuer`, `--oidc-client-id`, …).
#[derive(Clone)]
pub struct OidcSettings {
    /// The issuer, exactly as the provider's discovery document and ID tokens say it
    /// (`https://login.microsoftonline.com/<tenant id>/v2.0`, `https://<org>.okta.com`).
    pub issuer: String,
    /// The client (application) id registered at the provider.
    pub client_id: String,
    /// The client secret, when the registration has one (sent with HTTP Basic).
    pub client_secret: Option<String>,
    /// Scopes asked for, space-separated.
    pub scopes: String,
    /// The claim holding the person's groups.
    pub groups_claim: String,
    /// Who may sign in, with which role; nobody else may.
    pub rules: Vec<SignInRule>,
    /// How long a session lasts.
    pub session_lifetime: Duration,
    /// Whether `preferred_username` / `upn`, when it is an address, counts as the email (the
    /// UPN, which an Entra ID tenant's admins set): on for an Entra ID issuer, else only when
    /// asked (`--oidc-trust-upn`). Otherwise only an `email` with `email_verified: true` counts.
    pub trust_upn: bool,
}

impl OidcSettings {
    /// Settings for `issuer` and `client_id` with the defaults and no rule yet.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        let issuer = issuer.into();
        Self {
            trust_upn: issuer.starts_with("https://login.microsoftonline.com/"),
            issuer,
            client_id: client_id.into(),
            client_secret: None,
            scopes: DEFAULT_SCOPES.to_owned(),
            groups_claim: DEFAULT_GROUPS_CLAIM.to_owned(),
            rules: Vec::new(),
            session_lifetime: DEFAULT_SESSION_LIFETIME,
        }
    }

    /// What is wrong with these settings, if anything (checked before the engine starts).
    pub fn check(&self) -> Result<(), OidcError> {
        let issuer = url::Url::parse(&self.issuer).map_err(|e| OidcError::Config {
            what: "--oidc-issuer",
            reason: format!("'{}' is not a url ({e})", self.issuer),
        })?;
        let loopback = crate::access::is_loopback_url(&issuer);
        if issuer.scheme() != "https" && !(issuer.scheme() == "http" && loopback) {
            return Err(OidcError::Config {
                what: "--oidc-issuer",
                reason: format!(
                    "'{}' must be an https url (http only on this machine's loopback, for tests)",
                    self.issuer
                ),
            });
        }
        if self.client_id.trim().is_empty() {
            return Err(OidcError::Config {
                what: "--oidc-client-id",
                reason: "the client id is empty: give the application (client) id registered at the provider".into(),
            });
        }
        if !self.scopes.split_whitespace().any(|s| s == "openid") {
            return Err(OidcError::Config {
                what: "--oidc-scopes",
                reason: format!(
                    "'{}' lacks 'openid', without which no id token comes back",
                    self.scopes
                ),
            });
        }
        if self.rules.is_empty() {
            return Err(OidcError::Config {
                what: "--allow-sign-in",
                reason: "no rule says who may sign in: add e.g. --allow-sign-in domain:example.com=viewer or --allow-sign-in email:you@example.com=owner".into(),
            });
        }
        Ok(())
    }
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("scopes", &self.scopes)
            .field("groups_claim", &self.groups_claim)
            .field("rules", &self.rules)
            .field("session_lifetime", &self.session_lifetime)
            .field("trust_upn", &self.trust_upn)
            .finish()
    }
}

/// Why a sign-in failed, or the settings are wrong. Messages name the value and the fix.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// A setting is wrong.
    #[error("{what}: {reason}")]
    Config {
        /// The flag.
        what: &'static str,
        /// What is wrong with it and how to fix it.
        reason: String,
    },
    /// The provider could not be reached, or answered something that is not what OIDC says.
    #[error("the sign-in provider {url} did not answer as expected: {reason}")]
    Provider {
        /// What was asked.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The discovery document names another issuer than the one configured.
    #[error(
        "the provider's discovery document says its issuer is '{announced}', not '{configured}': set --oidc-issuer to exactly '{announced}'"
    )]
    IssuerMismatch {
        /// `--oidc-issuer`.
        configured: String,
        /// What the provider says.
        announced: String,
    },
    /// The token endpoint refused the code.
    #[error(
        "the provider refused to exchange the sign-in code ({status}): {error}{description}; check the client id and secret and that the redirect uri is registered"
    )]
    TokenRefused {
        /// The HTTP status.
        status: u16,
        /// The OAuth error code.
        error: String,
        /// Its description, in parentheses (or empty).
        description: String,
    },
    /// The ID token is not acceptable.
    #[error("the id token was refused: {0}")]
    InvalidToken(String),
}
