//! A small OpenID Connect provider for the sign-in tests, on 127.0.0.1: discovery, JWKS, the
//! authorization endpoint (which signs in at once whoever the test says, and redirects back
//! with a code) and the token endpoint (which checks the client's secret, the redirect URI and
//! PKCE's verifier, and answers an RS256 ID token). Knobs let a test rotate the keys and forge
//! each thing the engine must refuse. Not a mock of ScimLab: it plays the remote provider.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair, RsaPublicKeyComponents};
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;
use serde_json::{Value, json};
use sha2::Digest as _;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The client the engine is registered as.
pub const CLIENT_ID: &str = "scimlab-test";
/// Its secret.
pub const CLIENT_SECRET: &str = "test-client-secret-0123456789";

/// What the next ID token gets wrong (the engine must refuse each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forge {
    /// Nothing: a good token.
    Nothing,
    /// Signed with key 2 while naming key 1 (whose published half does not verify it).
    Signature,
    /// Expired an hour ago.
    Expired,
    /// Issued to another client.
    Audience,
    /// From another issuer.
    Issuer,
    /// Carrying this nonce (another sign-in's) instead of the one asked for.
    Nonce(String),
    /// `alg: none`, unsigned.
    Unsigned,
    /// `HS256` with the client secret as the key (a confused-deputy classic).
    SharedSecret,
}

struct Key {
    kid: &'static str,
    pair: RsaKeyPair,
    jwk: Value,
}

/// What a test can change, and what the provider saw.
pub struct Knobs {
    /// Keys published in the JWKS (indexes into the two keys).
    pub published: Vec<usize>,
    /// The key that signs.
    pub signing: usize,
    /// What the next token gets wrong.
    pub forge: Forge,
    /// Claims added to every ID token (email, groups…).
    pub claims: Value,
    /// The `sub` of the person signing in.
    pub subject: String,
    /// JWKS fetches so far.
    pub jwks_fetches: usize,
    /// The nonce of each sign-in asked for, in order.
    pub nonces: Vec<String>,
    /// Codes issued and not yet used: nonce, PKCE challenge, redirect URI.
    codes: HashMap<String, (String, String, String)>,
}

struct Inner {
    issuer: String,
    keys: Vec<Key>,
    knobs: Mutex<Knobs>,
}

/// A running test provider.
#[derive(Clone)]
pub struct TestProvider {
    inner: Arc<Inner>,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn load_key(kid: &'static str, file: &str) -> Key {
    let path = scimlab_tests::fixture_path(&format!("oidc/{file}"));
    let der = PrivatePkcs8KeyDer::from_pem_file(&path).expect("test key");
    let pair = RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()).expect("rsa key");
    let public = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
    let jwk = json!({
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
        "n": b64(&public.n), "e": b64(&public.e)
    });
    Key { kid, pair, jwk }
}

impl TestProvider {
    /// Start one on 127.0.0.1 (it stops with the test's runtime).
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let provider = Self {
            inner: Arc::new(Inner {
                issuer,
                keys: vec![
                    load_key("key-1", "signing-key-1.test-only.pem"),
                    load_key("key-2", "signing-key-2.test-only.pem"),
                ],
                knobs: Mutex::new(Knobs {
                    published: vec![0],
                    signing: 0,
                    forge: Forge::Nothing,
                    claims: json!({"email": "ada@example.com", "email_verified": true}),
                    subject: "00u-ada".into(),
                    jwks_fetches: 0,
                    nonces: Vec::new(),
                    codes: HashMap::new(),
                }),
            }),
        };
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(provider.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        provider
    }

    /// The issuer (`http://127.0.0.1:<port>`).
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// Change the knobs.
    pub fn set(&self, change: impl FnOnce(&mut Knobs)) {
        change(&mut self.inner.knobs.lock().unwrap());
    }

    /// Read the knobs.
    pub fn read<T>(&self, look: impl FnOnce(&Knobs) -> T) -> T {
        look(&self.inner.knobs.lock().unwrap())
    }

    /// A signed JWT of `claims` with `header`, by key `signing`.
    fn sign(&self, header: &Value, claims: &Value, signing: usize) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let key = &self.inner.keys[signing].pair;
        let mut sig = vec![0; key.public().modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input.as_bytes(),
            &mut sig,
        )
        .unwrap();
        format!("{input}.{}", b64(&sig))
    }

    /// The ID token for a sign-in with `nonce`, with the forge set now applied.
    fn id_token(&self, nonce: &str) -> String {
        let k = self.inner.knobs.lock().unwrap();
        let now = chrono::Utc::now().timestamp();
        let mut claims = json!({
            "iss": self.inner.issuer, "sub": k.subject, "aud": CLIENT_ID,
            "iat": now, "exp": now + 3600, "nonce": nonce
        });
        if let (Some(c), Some(extra)) = (claims.as_object_mut(), k.claims.as_object()) {
            c.extend(extra.clone());
        }
        let mut signing = k.signing;
        let mut kid = self.inner.keys[signing].kid;
        match &k.forge {
            Forge::Nothing => {}
            Forge::Signature => {
                signing = 1;
                kid = self.inner.keys[0].kid;
            }
            Forge::Expired => {
                claims["iat"] = json!(now - 7200);
                claims["exp"] = json!(now - 3600);
            }
            Forge::Audience => claims["aud"] = json!("another-app"),
            Forge::Issuer => claims["iss"] = json!("https://evil.example"),
            Forge::Nonce(other) => claims["nonce"] = json!(other),
            Forge::Unsigned => {
                let header = json!({"alg": "none", "typ": "JWT"});
                return format!(
                    "{}.{}.",
                    b64(header.to_string().as_bytes()),
                    b64(claims.to_string().as_bytes())
                );
            }
            Forge::SharedSecret => {
                let header = json!({"alg": "HS256", "typ": "JWT", "kid": kid});
                let input = format!(
                    "{}.{}",
                    b64(header.to_string().as_bytes()),
                    b64(claims.to_string().as_bytes())
                );
                let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, CLIENT_SECRET.as_bytes());
                let tag = ring::hmac::sign(&key, input.as_bytes());
                return format!("{input}.{}", b64(tag.as_ref()));
            }
        }
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid});
        drop(k);
        self.sign(&header, &claims, signing)
    }
}

async fn discovery(State(p): State<TestProvider>) -> Json<Value> {
    let i = &p.inner.issuer;
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "code_challenge_methods_supported": ["S256"]
    }))
}

async fn jwks(State(p): State<TestProvider>) -> Json<Value> {
    let mut k = p.inner.knobs.lock().unwrap();
    k.jwks_fetches += 1;
    let keys: Vec<Value> = k
        .published
        .iter()
        .map(|&i| p.inner.keys[i].jwk.clone())
        .collect();
    // A key the engine cannot use (an encryption key) sits among them, as at some providers.
    let mut all = vec![
        json!({"kty": "RSA", "use": "enc", "alg": "RSA-OAEP-512", "kid": "enc-1", "n": "AQAB", "e": "AQAB"}),
    ];
    all.extend(keys);
    Json(json!({ "keys": all }))
}

fn bad(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "invalid_request", "error_description": message})),
    )
        .into_response()
}

async fn authorize(
    State(p): State<TestProvider>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("client_id") != CLIENT_ID
        || get("response_type") != "code"
        || get("code_challenge_method") != "S256"
        || get("code_challenge").is_empty()
        || get("nonce").is_empty()
        || !get("scope").split(' ').any(|s| s == "openid")
    {
        return bad("not an authorization code request with pkce");
    }
    let code = b64(&rand_bytes());
    let mut k = p.inner.knobs.lock().unwrap();
    k.nonces.push(get("nonce"));
    k.codes.insert(
        code.clone(),
        (get("nonce"), get("code_challenge"), get("redirect_uri")),
    );
    let mut back = url::Url::parse(&get("redirect_uri")).expect("redirect uri");
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &get("state"));
    (StatusCode::FOUND, [(header::LOCATION, back.to_string())]).into_response()
}

fn rand_bytes() -> [u8; 16] {
    let mut b = [0u8; 16];
    ring::rand::SecureRandom::fill(&SystemRandom::new(), &mut b).unwrap();
    b
}

async fn token(State(p): State<TestProvider>, headers: HeaderMap, body: String) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        != Some(basic.as_str())
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    if get("grant_type") != "authorization_code" {
        return bad("grant_type");
    }
    let grant = p.inner.knobs.lock().unwrap().codes.remove(&get("code"));
    let Some((nonce, challenge, redirect_uri)) = grant else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": "unknown or used code"})),
        )
            .into_response();
    };
    let verified = b64(&sha2::Sha256::digest(get("code_verifier").as_bytes())) == challenge;
    if !verified || get("redirect_uri") != redirect_uri {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": "pkce or redirect_uri mismatch"}))).into_response();
    }
    let id_token = p.id_token(&nonce);
    Json(json!({
        "access_token": "opaque-access-token", "token_type": "Bearer", "expires_in": 3600,
        "id_token": id_token
    }))
    .into_response()
}
