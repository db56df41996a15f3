//! The protocol with the team's OpenID Connect provider (OpenID Connect Core 1.0, §3.1, with
//! PKCE, RFC 7636): discovery, the authorization request, the code exchange and the ID token's
//! checks — signature against the provider's JWKS, `iss`, `aud` (and `azp` when there are
//! several audiences), `exp`/`nbf` with a minute of leeway, and the sign-in's `nonce`.
//!
//! The JWKS is cached and fetched again when a token names a key it does not hold (a provider
//! rotates its keys: Entra ID every few weeks, Okta on schedule), at most once a second, so a
//! stream of forged tokens with made-up key ids cannot make this server hammer the provider.

use super::{OidcError, OidcSettings};
use base64::Engine as _;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use sha2::Digest as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Least time between two JWKS fetches for keys not held.
pub const JWKS_REFETCH_FLOOR: Duration = Duration::from_secs(1);
/// Leeway on `exp` and `nbf` for clocks a little apart.
pub const CLOCK_LEEWAY_SECS: u64 = 60;
/// The largest answer read from the provider.
const MAX_ANSWER: usize = 1024 * 1024;
/// Signature algorithms taken (asymmetric only: a shared-secret `HS256` or `none` never is).
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The parts of the provider's discovery document this server uses.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Discovery {
    /// The issuer (must be the one configured).
    pub issuer: String,
    /// Where the browser is sent to sign in.
    pub authorization_endpoint: String,
    /// Where the code is exchanged for tokens.
    pub token_endpoint: String,
    /// The provider's signing keys.
    pub jwks_uri: String,
    /// How the client authenticates at the token endpoint (absent: `client_secret_basic`).
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
}

/// Who signed in, from a checked ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `iss` and `sub`, joined by a space: the person, for good.
    pub subject: String,
    /// The email the rules match, lowercased: `email` when `email_verified` is `true`; else,
    /// when the UPN is trusted ([`super::OidcSettings::trust_upn`]: Entra ID, which sends no
    /// `email_verified`), `preferred_username` or `upn` when it is an address.
    pub email: Option<String>,
    /// The groups claim's values.
    pub groups: Vec<String>,
    /// Entra ID left the groups out (more than it puts in a token) and points at Graph instead.
    pub groups_overage: bool,
}

impl Identity {
    /// How the person is shown: the email, or the subject.
    pub fn name(&self) -> String {
        self.email.clone().unwrap_or_else(|| self.subject.clone())
    }
}

/// The team's provider: its settings, and what was learned from it (discovery, keys).
#[derive(Clone)]
pub struct Provider {
    inner: Arc<Inner>,
}

struct Inner {
    settings: OidcSettings,
    http: reqwest::Client,
    discovery: Mutex<Option<Arc<Discovery>>>,
    keys: Mutex<Keys>,
}

#[derive(Default)]
struct Keys {
    held: Vec<Jwk>,
    fetched: Option<Instant>,
}

/// A random, URL-safe value of 256 bits (state, nonce, PKCE verifier, session id).
pub fn random_value() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// PKCE's S256 code challenge of `verifier`.
pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

/// The claims of a JWT, read without any check: only to name a refused token's values.
fn unverified_claims(token: &str) -> Value {
    token
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null)
}

/// A claim's value for a message, cut short.
fn shown(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Null => "nothing".to_owned(),
        other => other.to_string(),
    };
    s.chars().take(120).collect()
}

impl Provider {
    /// A provider for `settings` (nothing is fetched yet).
    pub fn new(settings: OidcSettings) -> Result<Self, OidcError> {
        settings.check()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("scimlab/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| OidcError::Provider {
                url: settings.issuer.clone(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                http,
                discovery: Mutex::new(None),
                keys: Mutex::new(Keys::default()),
            }),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &OidcSettings {
        &self.inner.settings
    }

    fn provider_error(url: &str, reason: impl Into<String>) -> OidcError {
        OidcError::Provider {
            url: url.to_owned(),
            reason: reason.into(),
        }
    }

    /// GET `url` as JSON (at most [`MAX_ANSWER`] bytes).
    async fn get_json(&self, url: &str) -> Result<Value, OidcError> {
        let resp = self
            .inner
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| Self::provider_error(url, e.to_string()))?;
        let status = resp.status();
        let body = read_capped(resp, url).await?;
        if !status.is_success() {
            return Err(Self::provider_error(url, format!("it answered {status}")));
        }
        serde_json::from_slice(&body)
            .map_err(|e| Self::provider_error(url, format!("its answer is not json ({e})")))
    }

    /// The discovery document (fetched once, then kept; fetched again after a failure).
    pub async fn discovery(&self) -> Result<Arc<Discovery>, OidcError> {
        let mut held = self.inner.discovery.lock().await;
        if let Some(d) = held.as_ref() {
            return Ok(d.clone());
        }
        let issuer = &self.inner.settings.issuer;
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let found: Discovery = serde_json::from_value(self.get_json(&url).await?).map_err(|e| {
            Self::provider_error(&url, format!("it is not a discovery document ({e})"))
        })?;
        if &found.issuer != issuer {
            return Err(OidcError::IssuerMismatch {
                configured: issuer.clone(),
                announced: found.issuer,
            });
        }
        let found = Arc::new(found);
        *held = Some(found.clone());
        Ok(found)
    }

    /// Where to send the browser to sign in (authorization code flow, PKCE S256).
    pub async fn authorization_url(
        &self,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        verifier: &str,
    ) -> Result<String, OidcError> {
        let d = self.discovery().await?;
        let mut url = url::Url::parse(&d.authorization_endpoint).map_err(|e| {
            Self::provider_error(&d.authorization_endpoint, format!("not a url ({e})"))
        })?;
        let s = &self.inner.settings;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &s.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &s.scopes)
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &pkce_challenge(verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(url.into())
    }

    /// Exchange the sign-in's `code` for its ID token.
    pub async fn exchange(
        &self,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<String, OidcError> {
        let d = self.discovery().await?;
        let s = &self.inner.settings;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let mut request = self.inner.http.post(&d.token_endpoint);
        let methods = &d.token_endpoint_auth_methods_supported;
        match &s.client_secret {
            Some(secret)
                if !methods.is_empty()
                    && !methods.iter().any(|m| m == "client_secret_basic")
                    && methods.iter().any(|m| m == "client_secret_post") =>
            {
                form.push(("client_id", &s.client_id));
                form.push(("client_secret", secret));
            }
            Some(secret) => {
                // RFC 6749 §2.3.1: both are form-encoded before they are joined.
                let enc =
                    |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
                request = request.basic_auth(enc(&s.client_id), Some(enc(secret)));
            }
            None => form.push(("client_id", &s.client_id)),
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let resp = request
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| Self::provider_error(&d.token_endpoint, e.to_string()))?;
        let status = resp.status();
        let bytes = read_capped(resp, &d.token_endpoint).await?;
        let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            let text = |k: &str| {
                answer
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let description = text("error_description");
            return Err(OidcError::TokenRefused {
                status: status.as_u16(),
                error: match text("error") {
                    e if e.is_empty() => "no error code".to_owned(),
                    e => e,
                },
                description: if description.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", description.chars().take(300).collect::<String>())
                },
            });
        }
        answer
            .get("id_token")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                Self::provider_error(
                    &d.token_endpoint,
                    "its token answer holds no id_token: the 'openid' scope must be granted",
                )
            })
    }

    /// The key that should have signed a token with `kid` and `alg`: from the cached JWKS, or
    /// fetched again when it does not hold it (at most every [`JWKS_REFETCH_FLOOR`]).
    async fn key(&self, kid: Option<&str>, alg: Algorithm) -> Result<DecodingKey, OidcError> {
        let mut keys = self.inner.keys.lock().await;
        for attempt in 0..2 {
            if let Some(jwk) = pick(&keys.held, kid, alg) {
                return DecodingKey::from_jwk(jwk).map_err(|e| {
                    OidcError::InvalidToken(format!("the provider's key cannot be used ({e})"))
                });
            }
            let due = keys
                .fetched
                .is_none_or(|at| at.elapsed() >= JWKS_REFETCH_FLOOR);
            if attempt > 0 || !due {
                break;
            }
            let d = self.discovery().await?;
            let set = self.get_json(&d.jwks_uri).await?;
            // Each key on its own: a key of a kind this server cannot use (an encryption key)
            // must not hide the others.
            keys.held = set
                .get("keys")
                .and_then(Value::as_array)
                .map(|all| {
                    all.iter()
                        .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
                        .collect()
                })
                .unwrap_or_default();
            keys.fetched = Some(Instant::now());
        }
        Err(OidcError::InvalidToken(format!(
            "it names the signing key '{}', which the provider's published keys do not hold: it was not signed by {}",
            kid.unwrap_or("(none)"),
            self.inner.settings.issuer
        )))
    }

    /// Check `id_token` (signature, issuer, audience, expiry, `nonce`) and read who it is.
    pub async fn verify(&self, id_token: &str, nonce: &str) -> Result<Identity, OidcError> {
        let s = &self.inner.settings;
        let header = jsonwebtoken::decode_header(id_token)
            .map_err(|e| OidcError::InvalidToken(format!("it is not a signed jwt ({e})")))?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(OidcError::InvalidToken(format!(
                "it is signed with {:?}; only the provider's public-key algorithms (RS256 and the like) are taken",
                header.alg
            )));
        }
        let key = self.key(header.kid.as_deref(), header.alg).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&s.issuer]);
        validation.set_audience(&[&s.client_id]);
        validation.leeway = CLOCK_LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let sent = unverified_claims(id_token);
        let claims = jsonwebtoken::decode::<Value>(id_token, &key, &validation)
            .map_err(|e| OidcError::InvalidToken(self.describe(&e, &sent)))?
            .claims;
        if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
            return Err(OidcError::InvalidToken(
                "its nonce is not this sign-in's: a token issued for another sign-in (a replay) is never taken; sign in again".into(),
            ));
        }
        if let Some(all) = claims.get("aud").and_then(Value::as_array)
            && all.len() > 1
            && claims.get("azp").and_then(Value::as_str) != Some(s.client_id.as_str())
        {
            return Err(OidcError::InvalidToken(format!(
                "it has several audiences and its authorized party (azp) is {}, not this client '{}'",
                shown(claims.get("azp").unwrap_or(&Value::Null)),
                s.client_id
            )));
        }
        Ok(identity(&claims, &s.groups_claim, s.trust_upn))
    }

    /// A refused token's reason, naming the value it had.
    fn describe(&self, e: &jsonwebtoken::errors::Error, sent: &Value) -> String {
        use jsonwebtoken::errors::ErrorKind;
        let s = &self.inner.settings;
        let claim = |k: &str| shown(sent.get(k).unwrap_or(&Value::Null));
        match e.kind() {
            ErrorKind::InvalidSignature => format!(
                "its signature does not verify against the provider's key: it was not signed by {}",
                s.issuer
            ),
            ErrorKind::ExpiredSignature => format!(
                "it expired (exp {}); if it was just issued, check this server's clock",
                claim("exp")
            ),
            ErrorKind::ImmatureSignature => format!(
                "it is not valid yet (nbf {}); check this server's clock",
                claim("nbf")
            ),
            ErrorKind::InvalidIssuer => {
                format!("its issuer (iss) is '{}', not '{}'", claim("iss"), s.issuer)
            }
            ErrorKind::InvalidAudience => format!(
                "its audience (aud) is {}, not this client '{}': it was issued to another application",
                claim("aud"),
                s.client_id
            ),
            ErrorKind::MissingRequiredClaim(c) => format!("it lacks the '{c}' claim"),
            ErrorKind::InvalidAlgorithm => {
                "its algorithm does not go with the provider's key".to_owned()
            }
            _ => e.to_string(),
        }
    }
}

/// The key of `held` for `kid` (or, for a token naming none, the only key of `alg`'s family).
fn pick<'a>(held: &'a [Jwk], kid: Option<&str>, alg: Algorithm) -> Option<&'a Jwk> {
    use jsonwebtoken::jwk::AlgorithmParameters as P;
    let family = |jwk: &Jwk| {
        matches!(
            (&jwk.algorithm, alg),
            (
                P::RSA(_),
                Algorithm::RS256
                    | Algorithm::RS384
                    | Algorithm::RS512
                    | Algorithm::PS256
                    | Algorithm::PS384
                    | Algorithm::PS512
            ) | (P::EllipticCurve(_), Algorithm::ES256 | Algorithm::ES384)
                | (P::OctetKeyPair(_), Algorithm::EdDSA)
        )
    };
    match kid {
        Some(kid) => held
            .iter()
            .find(|k| k.common.key_id.as_deref() == Some(kid) && family(k)),
        None => {
            let mut of_family = held.iter().filter(|k| family(k));
            match (of_family.next(), of_family.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        }
    }
}

/// Who a checked token's claims say it is.
fn identity(claims: &Value, groups_claim: &str, trust_upn: bool) -> Identity {
    let text = |k: &str| claims.get(k).and_then(Value::as_str);
    let verified = claims.get("email_verified").and_then(Value::as_bool) == Some(true);
    let upn = || {
        text("preferred_username")
            .filter(|u| u.contains('@'))
            .or_else(|| text("upn").filter(|u| u.contains('@')))
            .filter(|_| trust_upn)
    };
    let email = text("email")
        .filter(|_| verified)
        .or_else(upn)
        .map(str::to_lowercase);
    let groups = match claims.get(groups_claim) {
        Some(Value::Array(all)) => all
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    };
    let groups_overage = claims
        .get("_claim_names")
        .and_then(|n| n.get(groups_claim))
        .is_some();
    Identity {
        subject: format!(
            "{} {}",
            text("iss").unwrap_or(""),
            text("sub").unwrap_or("")
        ),
        email,
        groups,
        groups_overage,
    }
}

/// The body of `resp`, refused past [`MAX_ANSWER`] bytes.
async fn read_capped(mut resp: reqwest::Response, url: &str) -> Result<Vec<u8>, OidcError> {
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| Provider::provider_error(url, e.to_string()))?
    {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(Provider::provider_error(
                url,
                format!("its answer is larger than {MAX_ANSWER} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_pkce_challenge_is_rfc_7636s_example() {
        // RFC 7636, appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let a = random_value().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_value().unwrap());
    }

    #[test]
    fn who_is_read_from_entra_and_okta_claims() {
        // Entra ID (v2.0, no optional email claim): the UPN in preferred_username, group ids.
        let entra = json!({
            "iss": "https://login.microsoftonline.com/t/v2.0", "sub": "AAAbbb",
            "preferred_username": "Ada@Contoso.com",
            "groups": ["9f1c2d3e-0000-4000-8000-000000000001"]
        });
        let who = identity(&entra, "groups", true);
        assert_eq!(who.email.as_deref(), Some("ada@contoso.com"));
        // Elsewhere a user-chosen username is no email.
        assert_eq!(identity(&entra, "groups", false).email, None);
        assert_eq!(who.groups, ["9f1c2d3e-0000-4000-8000-000000000001"]);
        assert_eq!(
            who.subject,
            "https://login.microsoftonline.com/t/v2.0 AAAbbb"
        );
        // Entra past its group limit: no groups, a pointer to Graph instead.
        let overage = json!({"sub": "x", "_claim_names": {"groups": "src1"}});
        assert!(identity(&overage, "groups", true).groups_overage);
        // Okta: email and a groups claim; an unverified email is not matched.
        let okta = json!({"sub": "00u1", "email": "bob@example.com", "email_verified": true, "groups": "Everyone"});
        let who = identity(&okta, "groups", false);
        assert_eq!(
            (who.email.as_deref(), who.groups.as_slice()),
            (Some("bob@example.com"), &["Everyone".to_owned()][..])
        );
        let unverified =
            json!({"sub": "00u2", "email": "eve@example.com", "email_verified": false});
        assert_eq!(identity(&unverified, "groups", true).email, None);
        assert_eq!(identity(&unverified, "groups", true).name(), " 00u2");
        // Unsaid is not verified; nor is a string "true"; nor does a username stand in for it.
        let unsaid = json!({"sub": "u3", "email": "mallory@example.com", "preferred_username": "mallory@example.com"});
        assert_eq!(identity(&unsaid, "groups", false).email, None);
        let stringly = json!({"sub": "u4", "email": "m@example.com", "email_verified": "true"});
        assert_eq!(identity(&stringly, "groups", false).email, None);
    }
}
