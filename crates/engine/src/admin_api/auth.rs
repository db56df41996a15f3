//! The admin token check, in front of every admin route.
//!
//! Accepted credentials: `Authorization: Bearer <admin token>` (scripts, the Tauri shell) or the
//! cookie `scimlab_admin=<admin token>` (a browser). A browser gets the cookie by opening
//! `/?token=<admin token>`, the URL `scimlab serve` prints: the token is checked, the cookie is
//! set (HttpOnly, SameSite=Strict, Path=/) and the browser is sent to `/` with `303 See Other`,
//! so the token leaves the address bar and the history. `?token=` is a login on `/` only; the
//! API never reads a token from a URL (URLs end up in logs and `Referer` headers).
//!
//! Besides this launch's token (an owner), a personal admin token (`Authorization: Bearer
//! slp_…`, `scimlab admin-user add`) stands for its user and role, read from the main database
//! on every request (`crate::access`). Then the caller's role must reach what the route needs
//! (`403` naming it otherwise), and every action, refused ones too, goes into the audit log.
//!
//! Comparisons are constant time. Failures never echo what was sent.

use super::{AdminState, model::ErrorBody};
use crate::store::prelude::*;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use subtle::ConstantTimeEq;

/// Name of the login cookie.
pub const COOKIE: &str = "scimlab_admin";

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No header, no cookie, no `?token=`.
    Missing,
    /// An `Authorization` header with a scheme other than Bearer.
    WrongScheme,
    /// A token that is not this launch's.
    WrongToken,
    /// A personal token (`slp_…`) of no admin user, of a revoked one, or with a wrong secret.
    PersonalToken,
    /// A sign-in session cookie of a session signed out, expired, or never opened.
    SessionEnded,
}

impl Refusal {
    fn message(self) -> &'static str {
        match self {
            Self::Missing => {
                "missing admin token: send 'Authorization: Bearer <admin token>' or open the admin url that `scimlab serve` printed (http://127.0.0.1:<port>/?token=…)"
            }
            Self::WrongScheme => {
                "unsupported authorization scheme: send 'Authorization: Bearer <admin token>'"
            }
            Self::WrongToken => {
                "the admin token sent is not this launch's token: a new one is made on every start (unless --admin-token or SCIMLAB_ADMIN_TOKEN sets it); use the url `scimlab serve` printed last"
            }
            Self::PersonalToken => {
                "the personal admin token sent is not valid: it was revoked, or is mistyped; an owner makes a new one with 'scimlab admin-user add NAME --role ROLE'"
            }
            Self::SessionEnded => "your sign-in has ended (signed out, or expired): sign in again",
        }
    }
}

/// Constant-time equality of a candidate with the token (a length mismatch is not secret).
fn matches(candidate: &str, token: &str) -> bool {
    bool::from(candidate.as_bytes().ct_eq(token.as_bytes()))
}

/// The values of cookie `wanted` sent (a browser may send several `Cookie` headers).
pub(super) fn cookie_values<'a>(
    headers: &'a HeaderMap,
    wanted: &'a str,
) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(move |pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name.trim() == wanted).then(|| value.trim())
        })
}

/// Check the request's credentials: `Ok` when the header or a cookie holds the token.
fn check(headers: &HeaderMap, token: &str) -> Result<(), Refusal> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().unwrap_or("").trim();
        return match value.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => {
                if matches(rest.trim(), token) {
                    Ok(())
                } else {
                    Err(Refusal::WrongToken)
                }
            }
            _ => Err(Refusal::WrongScheme),
        };
    }
    let mut refusal = Refusal::Missing;
    for value in cookie_values(headers, COOKIE) {
        if matches(value, token) {
            return Ok(());
        }
        refusal = Refusal::WrongToken;
    }
    Err(refusal)
}

/// The `token` parameter of a login URL, if any.
fn login_token(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
}

/// The middleware: log in on `/?token=`, then let through only requests with the token.
pub async fn require_token(State(state): State<AdminState>, req: Request, next: Next) -> Response {
    if let Err(message) = same_origin_guard(
        req.method(),
        req.headers(),
        &state.allowed_origins,
        state.team.tls,
    ) {
        return forbidden(&message);
    }
    // Signing in and out needs no credentials (the sign-in routes check their own).
    if req.uri().path().starts_with("/auth/") {
        return next.run(req).await;
    }
    let token = state.admin_token.as_str();
    let is_root = req.uri().path() == "/";
    if is_root && let Some(sent) = login_token(req.uri().query()) {
        return if matches(&sent, token) {
            login(token, state.team.tls)
        } else {
            refuse(&state, Refusal::WrongToken, &req)
        };
    }
    let session = (!req.headers().contains_key(header::AUTHORIZATION))
        .then(|| {
            cookie_values(req.headers(), super::sign_in::SESSION_COOKIE)
                .next()
                .map(str::to_owned)
        })
        .flatten();
    let caller = match bearer(req.headers()) {
        // The desktop app's session, from its sign-in through the system browser.
        Some(sent) if sent.starts_with(super::sign_in::APP_SESSION_PREFIX) => {
            match super::sign_in::caller_of_session(&state, sent).await {
                Ok(Some(caller)) => caller,
                Ok(None) => return refuse(&state, Refusal::SessionEnded, &req),
                Err(e) => return unavailable(&e.to_string()),
            }
        }
        // A personal token: its user's role, read from the database on every request.
        Some(sent) if crate::access::is_personal_token(sent) => {
            let found = async {
                let mut conn = state.store.read().await?;
                state.access.caller(&mut conn, sent).await
            }
            .await;
            match found {
                Ok(Some(caller)) => caller,
                Ok(None) => return refuse(&state, Refusal::PersonalToken, &req),
                Err(e) => return unavailable(&e.to_string()),
            }
        }
        _ => {
            let signed_in = match &session {
                Some(id) => match super::sign_in::caller_of_session(&state, id).await {
                    Ok(found) => found,
                    Err(e) => return unavailable(&e.to_string()),
                },
                None => None,
            };
            match (signed_in, check(req.headers(), token)) {
                (Some(caller), _) => caller,
                (None, Ok(())) => crate::access::Caller::launch_token(),
                (None, Err(_)) if session.is_some() => {
                    return refuse(&state, Refusal::SessionEnded, &req);
                }
                (None, Err(refusal)) => return refuse(&state, refusal, &req),
            }
        }
    };
    let needed = crate::access::required_role(req.method(), req.uri().path());
    let audited = crate::access::is_audited(req.method(), req.uri().path())
        .then(|| (req.method().clone(), req.uri().path().to_owned()));
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let resp = if caller.role < needed {
        forbidden(&format!(
            "{} {} needs the {needed} role; {} is a {}: an owner can give it with 'scimlab admin-user add NAME --role {needed}'",
            req.method(),
            req.uri().path(),
            caller.name.as_deref().unwrap_or("this token"),
            caller.role,
        ))
    } else {
        let mut req = req;
        req.extensions_mut().insert(caller.clone());
        next.run(req).await
    };
    // Refused attempts are kept too.
    if let Some((method, path)) = audited {
        let entry =
            crate::access::audit_entry(&caller, &method, &path, resp.status().as_u16(), client);
        audit(&state, &entry).await;
    }
    resp
}

/// Whether a person's browser asked (a page load: `Accept: text/html`, not the API).
fn wants_html(req: &Request) -> bool {
    !req.uri().path().starts_with("/api/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
}

/// Append `entry` to the audit log (a failure is logged: the action itself has happened).
pub(super) async fn audit(state: &AdminState, entry: &crate::store::audit::AuditEntry) {
    let stored = async {
        let mut w = state.store.write().await?;
        w.append_audit(entry).await?;
        w.commit().await
    }
    .await;
    if let Err(e) = stored {
        tracing::warn!(error = %e, method = %entry.method, path = %entry.path, "could not write the audit log");
    }
}

/// The token of an `Authorization: Bearer …` header, if there is one.
pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => Some(rest.trim()),
        _ => None,
    }
}

/// 503: the database that holds the admin users does not answer.
fn unavailable(message: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(ErrorBody {
            error: format!("could not check the admin token: {message}; retry in a moment"),
        }),
    )
        .into_response()
}

/// Whether `host` (a `Host` header or an origin's authority) names this machine's loopback.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

/// DNS-rebinding and cross-site defences, before any token check:
/// - the `Host` must be a loopback name (a rebinding page arrives with its own host name);
/// - a state-changing request (anything but GET/HEAD/OPTIONS) that carries a browser `Origin`
///   must come from this very origin. `SameSite=Strict` does not separate ports, so a page on
///   another local port (a dev server) could otherwise post a form with the login cookie.
///   Scripts send no `Origin` and authenticate with the Bearer token.
///
/// On TLS (a team server) the `Host` may be any name: a rebinding page cannot present the
/// server's certificate for its own name, so the browser never gets that far.
fn same_origin_guard(
    method: &axum::http::Method,
    headers: &HeaderMap,
    allowed_origins: &[String],
    tls: bool,
) -> Result<(), String> {
    // What was sent is named back (cut short; the answer is JSON with nosniff).
    let shown = |v: &str| v.chars().take(80).collect::<String>();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !tls && !host.is_empty() && !is_loopback_host(host) {
        return Err(format!(
            "host '{}' refused: the admin api answers only to 127.0.0.1 or localhost; open it as http://127.0.0.1:<port>/",
            shown(host)
        ));
    }
    let safe = matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS");
    if safe {
        return Ok(());
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if allowed_origins.iter().any(|o| o == origin) {
            return Ok(());
        }
        let scheme = if tls { "https://" } else { "http://" };
        let authority = origin.strip_prefix(scheme).unwrap_or("");
        if authority.is_empty() || authority != host {
            return Err(format!(
                "cross-origin request from '{}' refused: state-changing admin requests must come from the admin page itself or carry 'Authorization: Bearer <admin token>' without an Origin",
                shown(origin)
            ));
        }
    }
    Ok(())
}

fn forbidden(message: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::Json(ErrorBody {
            error: message.to_owned(),
        }),
    )
        .into_response()
}

/// `303 See Other` to `/` with the login cookie set (`Secure` on TLS).
fn login(token: &str, tls: bool) -> Response {
    let secure = if tls { "; Secure" } else { "" };
    let cookie = format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/{secure}");
    let mut resp = StatusCode::SEE_OTHER.into_response();
    let h = resp.headers_mut();
    h.insert(header::LOCATION, HeaderValue::from_static("/"));
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        h.insert(header::SET_COOKIE, v);
    }
    resp
}

/// 401: JSON for the API; for a person's browser a page saying how to log in, or, on a server
/// with sign-in, the sign-in button (coming back to the page asked for).
fn refuse(state: &AdminState, refusal: Refusal, req: &Request) -> Response {
    let message = refusal.message();
    let html = req.uri().path() == "/" || wants_html(req);
    let mut resp = if html && state.team.provider.is_some() {
        let shown = (refusal != Refusal::Missing).then_some(message);
        let back = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        (
            StatusCode::UNAUTHORIZED,
            Html(super::ui::sign_in_page(shown, back)),
        )
            .into_response()
    } else if html {
        (
            StatusCode::UNAUTHORIZED,
            Html(super::ui::login_page(message)),
        )
            .into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(ErrorBody {
                error: message.to_owned(),
            }),
        )
            .into_response()
    };
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"scimlab-admin\""),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    const TOKEN: &str = "the-admin-token-0123456789";

    #[test]
    fn bearer_and_cookie_are_accepted() {
        assert_eq!(
            check(
                &headers(&[("authorization", &format!("Bearer {TOKEN}"))]),
                TOKEN
            ),
            Ok(())
        );
        assert_eq!(
            check(
                &headers(&[
                    ("cookie", "theme=dark"),
                    ("cookie", &format!("a=b; {COOKIE}={TOKEN}"))
                ]),
                TOKEN
            ),
            Ok(())
        );
    }

    #[test]
    fn refusals_are_told_apart() {
        assert_eq!(check(&headers(&[]), TOKEN), Err(Refusal::Missing));
        assert_eq!(
            check(&headers(&[("cookie", "theme=dark")]), TOKEN),
            Err(Refusal::Missing)
        );
        assert_eq!(
            check(&headers(&[("authorization", TOKEN)]), TOKEN),
            Err(Refusal::WrongScheme)
        );
        assert_eq!(
            check(&headers(&[("authorization", "Bearer nope")]), TOKEN),
            Err(Refusal::WrongToken)
        );
        assert_eq!(
            check(
                &headers(&[("cookie", &format!("{COOKIE}={TOKEN}x"))]),
                TOKEN
            ),
            Err(Refusal::WrongToken)
        );
        // A wrong header is not rescued by a right cookie: the header is what the caller meant.
        assert_eq!(
            check(
                &headers(&[
                    ("authorization", "Bearer nope"),
                    ("cookie", &format!("{COOKIE}={TOKEN}"))
                ]),
                TOKEN
            ),
            Err(Refusal::WrongToken)
        );
        for r in [
            Refusal::Missing,
            Refusal::WrongScheme,
            Refusal::WrongToken,
            Refusal::SessionEnded,
        ] {
            assert!(!r.message().contains(TOKEN));
        }
    }

    #[test]
    fn the_login_token_is_read_from_the_query() {
        assert_eq!(login_token(Some("token=a%2Bb")).as_deref(), Some("a+b"));
        assert_eq!(login_token(Some("x=1")), None);
        assert_eq!(login_token(None), None);
    }

    #[test]
    fn rebinding_hosts_and_cross_origin_writes_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("evil.example:8788"));
        let refused = same_origin_guard(&axum::http::Method::GET, &h, &[], false).unwrap_err();
        assert!(refused.contains("'evil.example:8788'"), "{refused}");
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8788"));
        assert!(same_origin_guard(&axum::http::Method::GET, &h, &[], false).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:5173"),
        );
        let refused = same_origin_guard(&axum::http::Method::POST, &h, &[], false).unwrap_err();
        assert!(refused.contains("'http://127.0.0.1:5173'"), "{refused}");
        assert!(same_origin_guard(&axum::http::Method::GET, &h, &[], false).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8788"),
        );
        assert!(same_origin_guard(&axum::http::Method::DELETE, &h, &[], false).is_ok());
        h.remove(header::ORIGIN);
        assert!(
            same_origin_guard(&axum::http::Method::POST, &h, &[], false).is_ok(),
            "scripts send no origin"
        );
        h.insert(header::HOST, HeaderValue::from_static("localhost:8788"));
        assert!(same_origin_guard(&axum::http::Method::POST, &h, &[], false).is_ok());
    }

    #[test]
    fn the_desktop_webview_origin_may_write_when_allowed() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8788"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("tauri://localhost"),
        );
        assert!(same_origin_guard(&axum::http::Method::PUT, &h, &[], false).is_err());
        let allowed = ["tauri://localhost".to_owned()];
        assert!(same_origin_guard(&axum::http::Method::PUT, &h, &allowed, false).is_ok());
        h.insert(header::ORIGIN, HeaderValue::from_static("tauri://evil"));
        assert!(same_origin_guard(&axum::http::Method::PUT, &h, &allowed, false).is_err());
    }
}
