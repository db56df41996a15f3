//! Team sign-in's HTTP side: `GET /auth/sign-in` (leave for the team's identity provider),
//! `GET /auth/callback` (come back with a code: exchange it, check the ID token, decide the
//! role, open a session), `POST /auth/sign-out`, `GET /api/session` (who is calling, for the
//! UI's header), and the desktop app's sign-in through the system browser (RFC 8252):
//! `GET /auth/app-sign-in` hands a signed-in browser a one-time code for the app's loopback
//! redirect, `POST /auth/app-token` trades it, with the app's PKCE verifier, for a session
//! token (`sls_…`) the app sends as `Authorization: Bearer`. The protocol is `crate::oidc`; sessions and sign-ins under way are rows of
//! the main database (`store/sign_in.rs`), so any instance may finish a sign-in another began,
//! and a sign-out ends the session on all of them.
//!
//! The session cookie `scimlab_session` is `HttpOnly`, `SameSite=Lax` (the provider's redirect
//! back is a cross-site navigation, after which a `Strict` cookie would not be sent to the
//! page it lands on), `Path=/`, and `Secure` on TLS. It holds a random 256-bit id; the
//! database holds its SHA-256 only. State-changing requests are guarded by the `Origin` check
//! of `auth.rs` as before. Sign-ins, refused ones too, and sign-outs go into the audit log.

use super::{AdminState, model::ErrorBody, ui};
use crate::access::{Caller, Role, Via};
use crate::oidc::{self, Provider, provider::random_value};
use crate::store::prelude::*;
use crate::store::sign_in::{AppCode, SessionRow, SignInAttempt};
use axum::Json;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use sha2::Digest as _;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "scimlab_session";
/// Name of the cookie that ties a sign-in under way to the browser that began it (its `state`,
/// sent only to `/auth/callback`): a callback link made by someone else's sign-in does not
/// sign this browser in as them.
pub const SIGN_IN_COOKIE: &str = "scimlab_sign_in";

/// What the admin listener knows about team access (one per engine, shared by every workspace).
pub struct TeamAccess {
    /// The team's identity provider, when sign-in is set up.
    pub provider: Option<Provider>,
    /// Whether the admin listener speaks TLS (cookies are then `Secure`, origins `https://`).
    pub tls: bool,
    /// The admin UI's address as people open it, when configured.
    pub public_url: Option<String>,
}

/// Who is calling (`GET /api/session`), for the UI's header.
#[derive(Debug, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// The person's email or the token's name; `null` for this launch's admin token.
    pub name: Option<String>,
    /// `viewer`, `operator` or `owner`.
    pub role: String,
    /// How the caller proved it.
    pub via: Via,
    /// Whether `POST /auth/sign-out` ends it (a sign-in session).
    pub can_sign_out: bool,
}

/// `GET /api/session`.
pub async fn session_info(req: Request) -> Json<SessionInfo> {
    let caller = req
        .extensions()
        .get::<Caller>()
        .cloned()
        .unwrap_or_else(Caller::launch_token);
    Json(SessionInfo {
        name: caller.name,
        role: caller.role.to_string(),
        via: caller.via,
        can_sign_out: caller.via == Via::SignIn,
    })
}

/// SHA-256 (hex) of a session id: what the database holds.
pub fn session_hash(id: &str) -> String {
    sha2::Sha256::digest(id.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Prefix of a session token handed to the desktop app (sent as `Authorization: Bearer`).
pub const APP_SESSION_PREFIX: &str = "sls_";
/// How long a code handed to the app's loopback redirect may wait to be traded.
const APP_CODE_SECS: i64 = 120;

/// The open session with id `id` (a cookie's value, or an app's `sls_…` token), if any.
async fn session_row(state: &AdminState, id: &str) -> crate::store::Result<Option<SessionRow>> {
    let mut r = state.store.read().await?;
    r.session(&session_hash(id), now_secs()).await
}

/// The caller of a request with session cookie (or app token) `id`, if the session is open.
pub async fn caller_of_session(
    state: &AdminState,
    id: &str,
) -> crate::store::Result<Option<Caller>> {
    let Some(row) = session_row(state, id).await? else {
        return Ok(None);
    };
    Ok(row.role.parse::<Role>().ok().map(|role| Caller {
        name: Some(row.name),
        role,
        via: Via::SignIn,
    }))
}

/// A path on this server to return to after signing in: `/`-rooted and not another host's
/// (`//evil.example`, `/\evil.example`, nor `/<tab>/evil.example`, which browsers read as
/// `//evil.example`: no backslash, control character or space anywhere); anything else is `/`.
fn safe_return(asked: Option<&str>) -> String {
    match asked {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.chars().any(|c| c.is_control() || c.is_whitespace())
                && (!p.starts_with("/auth/") || p.starts_with("/auth/app-sign-in?")) =>
        {
            p.chars().take(512).collect()
        }
        _ => "/".to_owned(),
    }
}

/// This server's address as the browser sees it: `--public-url`, else the request's `Host`.
fn base_url(team: &TeamAccess, headers: &HeaderMap) -> Option<String> {
    if let Some(u) = &team.public_url {
        return Some(u.trim_end_matches('/').to_owned());
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let plain = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    plain.then(|| format!("{}://{host}", if team.tls { "https" } else { "http" }))
}

/// An audit log entry for a sign-in route (`/auth/…`, on the main workspace).
fn auth_audit(
    actor: String,
    role: String,
    method: &str,
    path: &str,
    status: impl Into<i64>,
    client: Option<std::net::SocketAddr>,
) -> crate::store::audit::AuditEntry {
    crate::store::audit::AuditEntry {
        id: 0,
        at: crate::wire::now(),
        actor,
        role,
        method: method.to_owned(),
        path: path.to_owned(),
        workspace: "default".into(),
        status: status.into(),
        client: client.map(|c| c.ip().to_string()),
    }
}

fn problem(status: StatusCode, message: &str) -> Response {
    (status, Html(ui::sign_in_problem_page(message))).into_response()
}

fn not_set_up() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(ErrorBody {
            error: "sign-in with an identity provider is not set up on this server: start it with --oidc-issuer URL --oidc-client-id ID --allow-sign-in KIND:VALUE=ROLE".into(),
        }),
    )
        .into_response()
}

/// The query of `GET /auth/sign-in`.
#[derive(Debug, serde::Deserialize)]
pub struct SignInQuery {
    /// Where to go once signed in (a path on this server).
    #[serde(rename = "return")]
    return_to: Option<String>,
}

/// `GET /auth/sign-in`: remember a new sign-in and send the browser to the provider.
pub async fn begin(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<SignInQuery>,
) -> Response {
    let Some(provider) = state.team.provider.clone() else {
        return not_set_up();
    };
    let Some(base) = base_url(&state.team, &headers) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "the request names no usable host: open this server by its address, or start it with --public-url",
        );
    };
    let (Ok(sign_in_state), Ok(nonce), Ok(verifier)) =
        (random_value(), random_value(), random_value())
    else {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "this machine gave no random bytes; retry",
        );
    };
    let attempt = SignInAttempt {
        state: sign_in_state,
        nonce,
        verifier,
        redirect_uri: format!("{base}/auth/callback"),
        return_to: safe_return(q.return_to.as_deref()),
        expires_at: now_secs() + oidc::SIGN_IN_TIMEOUT.as_secs() as i64,
    };
    let url = match provider
        .authorization_url(
            &attempt.redirect_uri,
            &attempt.state,
            &attempt.nonce,
            &attempt.verifier,
        )
        .await
    {
        Ok(url) => url,
        Err(e) => return problem(StatusCode::BAD_GATEWAY, &e.to_string()),
    };
    let kept = async {
        let mut w = state.store.write().await?;
        w.begin_sign_in(&attempt, now_secs()).await?;
        w.commit().await
    }
    .await;
    if let Err(e) = kept {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("could not keep the sign-in ({e}); retry in a moment"),
        );
    }
    let mut resp = redirect(&url);
    let cookie = format!(
        "{SIGN_IN_COOKIE}={}; HttpOnly; SameSite=Lax; Path=/auth/callback; Max-Age={}{}",
        attempt.state,
        oidc::SIGN_IN_TIMEOUT.as_secs(),
        if state.team.tls { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

fn redirect(to: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// The query of `GET /auth/callback`.
#[derive(Debug, serde::Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /auth/callback`: finish a sign-in.
pub async fn callback(State(state): State<AdminState>, req: Request) -> Response {
    let Some(provider) = state.team.provider.clone() else {
        return not_set_up();
    };
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let q: CallbackQuery = match Query::try_from_uri(req.uri()) {
        Ok(Query(q)) => q,
        Err(e) => {
            return problem(
                StatusCode::BAD_REQUEST,
                &format!("the provider's answer cannot be read ({e})"),
            );
        }
    };
    let began_here = super::auth::cookie_values(req.headers(), SIGN_IN_COOKIE).any(|v| {
        q.state
            .as_deref()
            .is_some_and(|s| bool::from(subtle::ConstantTimeEq::ct_eq(v.as_bytes(), s.as_bytes())))
    });
    let outcome = finish(&state, &provider, q, began_here).await;
    let matched = outcome.as_ref().map_or_else(|r| r.matched, |_| true);
    let (actor, role, mut resp) = match outcome {
        Ok((session_id, session)) => {
            let cookie = format!(
                "{SESSION_COOKIE}={session_id}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{}",
                provider.settings().session_lifetime.as_secs(),
                if state.team.tls { "; Secure" } else { "" }
            );
            let mut resp = redirect(&session.return_to);
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            (session.name, session.role, resp)
        }
        Err(refused) => (
            refused.who.unwrap_or_else(|| "unknown".to_owned()),
            "none".to_owned(),
            problem(refused.status, &refused.message),
        ),
    };
    // The sign-in's cookie has done its work.
    let cleared = format!(
        "{SIGN_IN_COOKIE}=; HttpOnly; SameSite=Lax; Path=/auth/callback; Max-Age=0{}",
        if state.team.tls { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&cleared) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    // Only sign-ins this server began are logged: anyone may call the callback with junk.
    if !matched {
        return resp;
    }
    let entry = auth_audit(
        actor,
        role,
        "GET",
        "/auth/sign-in",
        i64::from(resp.status().as_u16()),
        client,
    );
    super::auth::audit(&state, &entry).await;
    resp
}

/// A sign-in refused: the status, the message, and who it was when known.
struct Refused {
    status: StatusCode,
    message: String,
    who: Option<String>,
    /// Whether it was a sign-in this server began (then it is logged).
    matched: bool,
}

impl Refused {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            who: None,
            matched: false,
        }
    }
    /// The same, for a sign-in this server began.
    fn of_attempt(mut self) -> Self {
        self.matched = true;
        self
    }
}

/// A session just opened: its name and role, and where to go.
struct Opened {
    name: String,
    role: String,
    return_to: String,
}

async fn finish(
    state: &AdminState,
    provider: &Provider,
    q: CallbackQuery,
    began_here: bool,
) -> Result<(String, Opened), Refused> {
    if let Some(error) = q.error {
        let description = q.error_description.unwrap_or_default();
        return Err(Refused::new(
            StatusCode::BAD_REQUEST,
            format!(
                "the identity provider did not sign you in: {error}{}",
                if description.is_empty() {
                    String::new()
                } else {
                    format!(" ({description})")
                }
            ),
        ));
    }
    let (Some(code), Some(sign_in_state)) = (q.code, q.state) else {
        return Err(Refused::new(
            StatusCode::BAD_REQUEST,
            "the provider's answer lacks its code or state: start the sign-in again from this server",
        ));
    };
    if !began_here {
        return Err(Refused::new(
            StatusCode::BAD_REQUEST,
            "this sign-in was not begun in this browser (or its cookie was lost): sign in again from here",
        ));
    }
    let unavailable = |e: crate::store::StoreError| {
        Refused::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the database did not answer ({e}); retry in a moment"),
        )
    };
    let attempt = async {
        let mut w = state.store.write().await?;
        let a = w.take_sign_in(&sign_in_state, now_secs()).await?;
        w.commit().await?;
        Ok::<_, crate::store::StoreError>(a)
    }
    .await
    .map_err(unavailable)?
    .ok_or_else(|| {
        Refused::new(
            StatusCode::BAD_REQUEST,
            "this sign-in is unknown, was finished already, or took longer than 10 minutes: sign in again",
        )
    })?;
    let id_token = provider
        .exchange(&code, &attempt.redirect_uri, &attempt.verifier)
        .await
        .map_err(|e| Refused::new(StatusCode::BAD_GATEWAY, e.to_string()).of_attempt())?;
    let who = provider
        .verify(&id_token, &attempt.nonce)
        .await
        .map_err(|e| Refused::new(StatusCode::FORBIDDEN, e.to_string()).of_attempt())?;
    let name = who.name();
    let settings = provider.settings();
    let Some(role) = oidc::rules::role_of(&settings.rules, who.email.as_deref(), &who.groups)
    else {
        let overage = if who.groups_overage {
            " Entra ID left the groups out of the token (the person is in too many): give the app's group claim 'Groups assigned to the application' instead."
        } else {
            ""
        };
        return Err(Refused {
            status: StatusCode::FORBIDDEN,
            message: format!(
                "{name} may not sign in to this ScimLab: no --allow-sign-in rule matches them (email {}, groups {}).{overage} An owner of the server can add a rule.",
                who.email.as_deref().unwrap_or("none sent"),
                if who.groups.is_empty() {
                    "none sent".to_owned()
                } else {
                    who.groups.join(", ")
                },
            ),
            who: Some(name),
            matched: true,
        });
    };
    let session_id = random_value().map_err(|_| {
        Refused::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "this machine gave no random bytes; retry",
        )
    })?;
    let now = now_secs();
    let row = SessionRow {
        id_hash: session_hash(&session_id),
        name: name.clone(),
        subject: who.subject,
        role: role.to_string(),
        created: crate::wire::now(),
        expires_at: now + settings.session_lifetime.as_secs() as i64,
    };
    async {
        let mut w = state.store.write().await?;
        w.open_session(&row, now).await?;
        w.commit().await
    }
    .await
    .map_err(unavailable)?;
    Ok((
        session_id,
        Opened {
            name,
            role: role.to_string(),
            return_to: attempt.return_to,
        },
    ))
}

/// `POST /auth/sign-out`: end this browser's session (or the desktop app's, sent as its
/// `sls_…` Bearer token) on every instance and forget the cookie. `204`; the UI then shows the
/// sign-in page (the desktop app goes back to its own engine).
pub async fn sign_out(State(state): State<AdminState>, req: Request) -> Response {
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let mut ended = None;
    // The browser's cookie, or the desktop app's session token.
    let app_token =
        super::auth::bearer(req.headers()).filter(|t| t.starts_with(APP_SESSION_PREFIX));
    let session = super::auth::cookie_values(req.headers(), SESSION_COOKIE)
        .next()
        .or(app_token);
    if let Some(id) = session {
        let hash = session_hash(id);
        let found = async {
            let mut w = state.store.write().await?;
            let row = w.session(&hash, now_secs()).await?;
            w.end_session(&hash).await?;
            w.commit().await?;
            Ok::<_, crate::store::StoreError>(row)
        }
        .await;
        match found {
            Ok(row) => ended = row,
            Err(e) => {
                return problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &format!("could not end the session ({e}); retry in a moment"),
                );
            }
        }
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let cookie = format!(
        "{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{}",
        if state.team.tls { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    if let Some(row) = ended {
        let entry = auth_audit(row.name, row.role, "POST", "/auth/sign-out", 204, client);
        super::auth::audit(&state, &entry).await;
    }
    resp
}

/// The query of `GET /auth/app-sign-in`.
#[derive(Debug, serde::Deserialize)]
pub struct AppSignInQuery {
    redirect_uri: String,
    code_challenge: String,
    state: String,
}

/// A loopback redirect URI of the desktop app (RFC 8252 §7.3: `http`, a loopback address, a
/// port), else why not.
fn loopback_redirect(uri: &str) -> Result<url::Url, String> {
    let parsed =
        url::Url::parse(uri).map_err(|e| format!("the redirect uri '{uri}' is not a url ({e})"))?;
    let loopback = crate::access::is_loopback_url(&parsed);
    if parsed.scheme() != "http"
        || !loopback
        || parsed.port().is_none()
        || parsed.fragment().is_some()
    {
        return Err(format!(
            "the redirect uri '{uri}' is not the app's own loopback address (http://127.0.0.1:<port>/…)"
        ));
    }
    Ok(parsed)
}

/// The app sign-in's parameters, checked: the loopback redirect, or what is wrong (a `400`).
fn app_sign_in_params(q: &AppSignInQuery) -> Result<url::Url, String> {
    let back = loopback_redirect(&q.redirect_uri)?;
    let challenge_ok = q.code_challenge.len() == 43
        && q.code_challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !challenge_ok || q.state.is_empty() || q.state.len() > 512 {
        return Err("this app sign-in's code_challenge (PKCE S256) or state is malformed: start it again from the app".into());
    }
    Ok(back)
}

/// The browser's own sign-in session (never an app's `sls_…` token sent as a cookie: an app
/// session cannot beget another).
async fn browser_session(
    state: &AdminState,
    headers: &HeaderMap,
) -> Result<Option<SessionRow>, String> {
    let Some(id) = super::auth::cookie_values(headers, SESSION_COOKIE)
        .next()
        .filter(|id| !id.starts_with(APP_SESSION_PREFIX))
    else {
        return Ok(None);
    };
    session_row(state, id)
        .await
        .map_err(|e| format!("the database did not answer ({e}); retry in a moment"))
}

/// `GET /auth/app-sign-in?redirect_uri=http://127.0.0.1:<port>/…&code_challenge=…&state=…`:
/// the desktop app opened this in the system browser. Not signed in yet: sign in first and
/// come back here. Signed in: a page asking the person to confirm that the app on this
/// computer may act as them (a link alone never hands out a code).
pub async fn app_sign_in(State(state): State<AdminState>, req: Request) -> Response {
    if state.team.provider.is_none() {
        return not_set_up();
    }
    let q: AppSignInQuery = match Query::try_from_uri(req.uri()) {
        Ok(Query(q)) => q,
        Err(e) => {
            return problem(
                StatusCode::BAD_REQUEST,
                &format!(
                    "this app sign-in lacks its redirect_uri, code_challenge or state ({e}): start it again from the app"
                ),
            );
        }
    };
    let back = match app_sign_in_params(&q) {
        Ok(b) => b,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &e),
    };
    let session = match browser_session(&state, req.headers()).await {
        Ok(s) => s,
        Err(e) => return problem(StatusCode::SERVICE_UNAVAILABLE, &e),
    };
    let Some(session) = session else {
        let here = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        return redirect(&format!(
            "/auth/sign-in?return={}",
            form_urlencoded::byte_serialize(here.as_bytes()).collect::<String>()
        ));
    };
    let port = back.port().unwrap_or_default();
    Html(ui::app_sign_in_page(
        &session.name,
        &session.role,
        port,
        &[
            ("redirect_uri", &q.redirect_uri),
            ("code_challenge", &q.code_challenge),
            ("state", &q.state),
        ],
    ))
    .into_response()
}

/// `POST /auth/app-sign-in` (the confirmation page's form; the `Origin` guard makes sure it is
/// this server's page): hand the app's loopback redirect a one-time code (2 minutes).
pub async fn app_sign_in_confirmed(State(state): State<AdminState>, req: Request) -> Response {
    if state.team.provider.is_none() {
        return not_set_up();
    }
    let headers = req.headers().clone();
    let body = match axum::body::to_bytes(req.into_body(), 8 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the confirmation is too large",
            );
        }
    };
    let q: AppSignInQuery = match serde_urlencoded_form(&body) {
        Some(q) => q,
        None => {
            return problem(
                StatusCode::BAD_REQUEST,
                "this confirmation lacks the app's redirect_uri, code_challenge or state: start it again from the app",
            );
        }
    };
    let mut back = match app_sign_in_params(&q) {
        Ok(b) => b,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &e),
    };
    let Some(session) = (match browser_session(&state, &headers).await {
        Ok(s) => s,
        Err(e) => return problem(StatusCode::SERVICE_UNAVAILABLE, &e),
    }) else {
        return problem(
            StatusCode::UNAUTHORIZED,
            "this browser is not signed in (any more): start the sign-in again from the app",
        );
    };
    let Ok(code) = random_value() else {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "this machine gave no random bytes; retry",
        );
    };
    let now = now_secs();
    let kept = AppCode {
        code_hash: session_hash(&code),
        challenge: q.code_challenge,
        redirect_uri: q.redirect_uri,
        name: session.name,
        subject: session.subject,
        role: session.role,
        session_ends: session.expires_at,
        expires_at: now + APP_CODE_SECS,
    };
    let stored = async {
        let mut w = state.store.write().await?;
        w.keep_app_code(&kept, now).await?;
        w.commit().await
    }
    .await;
    if let Err(e) = stored {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("could not keep the app's sign-in ({e}); retry in a moment"),
        );
    }
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &q.state);
    redirect(back.as_str())
}

/// The confirmation form's fields.
fn serde_urlencoded_form(body: &[u8]) -> Option<AppSignInQuery> {
    let mut fields: std::collections::HashMap<String, String> =
        form_urlencoded::parse(body).into_owned().collect();
    Some(AppSignInQuery {
        redirect_uri: fields.remove("redirect_uri")?,
        code_challenge: fields.remove("code_challenge")?,
        state: fields.remove("state")?,
    })
}

/// The body of `POST /auth/app-token`.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppTokenRequest {
    /// The code the loopback redirect received.
    code: String,
    /// The PKCE verifier whose S256 challenge began the sign-in.
    code_verifier: String,
    /// The same loopback redirect URI.
    redirect_uri: String,
}

/// The answer of `POST /auth/app-token`.
#[derive(Debug, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AppToken {
    /// The session token (`sls_…`): `Authorization: Bearer` on every request.
    pub token: String,
    /// Who signed in.
    pub name: String,
    /// With which role.
    pub role: String,
    /// When it ends (Unix seconds).
    #[ts(type = "number")]
    pub expires_at: i64,
}

fn bad_trade(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(ErrorBody {
            error: message.to_owned(),
        }),
    )
        .into_response()
}

/// `POST /auth/app-token`: trade a code for a session of the app's own.
pub async fn app_token(State(state): State<AdminState>, req: Request) -> Response {
    let Some(provider) = state.team.provider.clone() else {
        return not_set_up();
    };
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let body = match axum::body::to_bytes(req.into_body(), 16 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return bad_trade(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the trade's body is too large",
            );
        }
    };
    let asked: AppTokenRequest = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(e) => {
            return bad_trade(
                StatusCode::BAD_REQUEST,
                &format!(
                    "the trade's body must be json with code, codeVerifier and redirectUri ({e})"
                ),
            );
        }
    };
    let now = now_secs();
    let taken = async {
        let mut w = state.store.write().await?;
        let c = w.take_app_code(&session_hash(&asked.code), now).await?;
        w.commit().await?;
        Ok::<_, crate::store::StoreError>(c)
    }
    .await;
    let code = match taken {
        Ok(Some(c)) => c,
        Ok(None) => {
            return bad_trade(
                StatusCode::BAD_REQUEST,
                "this sign-in code is unknown, was traded already, or is older than 2 minutes: sign in again from the app",
            );
        }
        Err(e) => {
            return bad_trade(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!("the database did not answer ({e}); retry"),
            );
        }
    };
    let verified = bool::from(subtle::ConstantTimeEq::ct_eq(
        oidc::provider::pkce_challenge(&asked.code_verifier).as_bytes(),
        code.challenge.as_bytes(),
    ));
    if !verified || asked.redirect_uri != code.redirect_uri {
        return bad_trade(
            StatusCode::BAD_REQUEST,
            "the code verifier or redirect uri is not the one this sign-in began with: sign in again from the app",
        );
    }
    let Ok(secret) = random_value() else {
        return bad_trade(
            StatusCode::SERVICE_UNAVAILABLE,
            "this machine gave no random bytes; retry",
        );
    };
    let token = format!("{APP_SESSION_PREFIX}{secret}");
    let row = SessionRow {
        id_hash: session_hash(&token),
        name: code.name.clone(),
        subject: code.subject,
        role: code.role.clone(),
        created: crate::wire::now(),
        // Never longer than the browser's session it came from (nor a sign-in's lifetime).
        expires_at: (now + provider.settings().session_lifetime.as_secs() as i64)
            .min(code.session_ends),
    };
    let opened = async {
        let mut w = state.store.write().await?;
        w.open_session(&row, now).await?;
        w.commit().await
    }
    .await;
    if let Err(e) = opened {
        return bad_trade(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("the database did not answer ({e}); retry"),
        );
    }
    let entry = auth_audit(
        code.name.clone(),
        code.role.clone(),
        "POST",
        "/auth/app-token",
        200,
        client,
    );
    super::auth::audit(&state, &entry).await;
    Json(AppToken {
        token,
        name: code.name,
        role: code.role,
        expires_at: row.expires_at,
    })
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_server_are_returned_to() {
        assert_eq!(safe_return(Some("/traffic?x=1")), "/traffic?x=1");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/ /evil.example",
            "/a\\b",
            "https://evil.example",
            "traffic",
            "/auth/callback",
            "/a\r\nSet-Cookie: x",
        ] {
            assert_eq!(safe_return(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_return(None), "/");
    }

    #[test]
    fn the_redirect_base_is_the_public_url_or_a_plain_host() {
        let team = |public_url: Option<&str>| TeamAccess {
            provider: None,
            tls: true,
            public_url: public_url.map(str::to_owned),
        };
        let mut h = HeaderMap::new();
        h.insert(
            header::HOST,
            HeaderValue::from_static("scimlab.example.com:8788"),
        );
        assert_eq!(
            base_url(&team(None), &h).as_deref(),
            Some("https://scimlab.example.com:8788")
        );
        assert_eq!(
            base_url(&team(Some("https://admin.example.com/")), &h).as_deref(),
            Some("https://admin.example.com")
        );
        h.insert(header::HOST, HeaderValue::from_static("evil.example/x?"));
        assert_eq!(base_url(&team(None), &h), None);
    }

    #[test]
    fn only_the_apps_own_loopback_address_is_a_redirect() {
        assert!(loopback_redirect("http://127.0.0.1:53121/callback").is_ok());
        assert!(loopback_redirect("http://[::1]:53121/").is_ok());
        for bad in [
            "https://evil.example/callback",
            "http://evil.example:80/",
            "http://127.0.0.1/callback",
            "myapp://callback",
            "http://127.0.0.1:1/#x",
        ] {
            assert!(loopback_redirect(bad).is_err(), "{bad}");
        }
        assert_eq!(
            safe_return(Some("/auth/app-sign-in?redirect_uri=x")),
            "/auth/app-sign-in?redirect_uri=x"
        );
    }

    #[test]
    fn the_session_hash_is_sha256_hex() {
        assert_eq!(
            session_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
