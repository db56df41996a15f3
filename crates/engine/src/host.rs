//! What an embedding host (the Tauri desktop shell) tells the UI about the engine it runs:
//! where the admin API is and with which token, or why the engine did not start and what to
//! do instead (a free SCIM port when the asked one is taken). No Tauri here: the shell fills
//! these in from [`crate::EngineHandle`] / [`crate::EngineError`]; the types are generated to
//! TypeScript for `ui/src/platform/host.ts`.

use crate::{EngineError, EngineHandle};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where the admin API is and how to authenticate to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Absolute admin base URL (desktop), or "" for same-origin (browser mode).
    pub admin_url: String,
    /// The admin token for `Authorization: Bearer` (desktop); null in the browser (cookie).
    pub token: Option<String>,
    /// The team server's address when the desktop app is connected to one instead of its own
    /// engine (`adminUrl` is then that server, `token` a personal token); null otherwise.
    pub team_server: Option<String>,
}

/// A team server the desktop app connects to instead of its own engine: its address and a
/// personal admin token (`scimlab admin-user add`). The shell remembers it (a `0600` file in
/// the app data directory) until the user goes back to this computer's engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamServer {
    /// The admin address, e.g. `https://scimlab.example.com:8788` (no path, no trailing slash).
    pub url: String,
    /// A personal admin token (`slp_…`), or the session token of a sign-in through the system
    /// browser (`sls_…`).
    pub token: String,
}

impl TeamServer {
    /// A team server at `url` with `token`, checked: an `https` address (plain `http` only on
    /// this machine's loopback: a token must not cross a network in the clear), no path, no
    /// query; a personal token.
    pub fn new(url: &str, token: &str) -> Result<Self, String> {
        let url = team_server_url(url)?;
        let token = token.trim();
        if !crate::access::is_personal_token(token) && !token.starts_with("sls_") {
            return Err("the token is not a personal admin token (slp_…): an owner of the team server makes one with 'scimlab admin-user add NAME --role viewer'; or sign in with your organisation's account".into());
        }
        Ok(Self {
            url,
            token: token.to_owned(),
        })
    }
}

/// A team server's address, checked and without a trailing slash (see [`TeamServer::new`]).
pub fn team_server_url(url: &str) -> Result<String, String> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|e| format!("'{url}' is not an address ({e}): write https://host:port"))?;
    let loopback = crate::access::is_loopback_url(&parsed);
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(format!(
                "'{url}' is plain http: a team server off this machine is reached over https (its admin listener needs --tls-cert and --tls-key)"
            ));
        }
        other => return Err(format!("'{url}' is {other}: write https://host:port")),
    }
    if parsed.path() != "/" || parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!(
            "'{url}' has a path or query: give the server's address alone, e.g. https://host:port"
        ));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// What the desktop app's loopback redirect received at the end of a sign-in through the
/// system browser (RFC 8252 §7.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LoopbackSignIn {
    /// The one-time code to trade at the team server's `POST /auth/app-token`.
    pub code: String,
    /// The redirect URI it came to (the trade repeats it).
    pub redirect_uri: String,
}

/// Sign the desktop app in to the team server at `server` through the system browser: listen
/// on a free loopback port, have `open` show `<server>/auth/app-sign-in?redirect_uri=…&
/// code_challenge=…&state=…` in the browser, and wait (5 minutes at most) for the browser to come
/// back with a code. The caller holds the PKCE verifier and trades the code for a session token
/// (`POST <server>/auth/app-token`).
pub async fn browser_sign_in(
    server: &str,
    code_challenge: &str,
    state: &str,
    open: impl FnOnce(&str) -> Result<(), String>,
) -> Result<LoopbackSignIn, String> {
    let server = team_server_url(server)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("could not listen on this machine's loopback for the sign-in: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let enc = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let url = format!(
        "{server}/auth/app-sign-in?redirect_uri={}&code_challenge={}&state={}",
        enc(&format!("http://127.0.0.1:{port}/callback")),
        enc(code_challenge),
        enc(state)
    );
    open(&url)?;
    receive_loopback_sign_in(listener, state, std::time::Duration::from_secs(300)).await
}

/// Wait on `listener` (the app's `127.0.0.1:<port>`) for the browser to come back to
/// `/callback` with `state` and a code, for at most `within`; answer the browser with a page
/// saying to go back to the app. Other requests (a favicon) get a `404` and the wait goes on.
pub async fn receive_loopback_sign_in(
    listener: tokio::net::TcpListener,
    state: &str,
    within: std::time::Duration,
) -> Result<LoopbackSignIn, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let wait = async {
        loop {
            let (mut stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
            // A whole head within 5 s, however it trickles in: a slow local client cannot hold
            // the wait up.
            let mut head = Vec::new();
            let mut buf = [0u8; 2048];
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match stream.read(&mut buf).await {
                        Ok(n) if n > 0 => head.extend_from_slice(&buf[..n]),
                        _ => break,
                    }
                }
            })
            .await;
            let line = String::from_utf8_lossy(&head)
                .lines()
                .next()
                .unwrap_or("")
                .to_owned();
            let target = line.split(' ').nth(1).unwrap_or("");
            let (path, query) = target.split_once('?').unwrap_or((target, ""));
            if path != "/callback" {
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    )
                    .await;
                continue;
            }
            let params: std::collections::HashMap<String, String> =
                form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect();
            // Another sign-in's redirect (a stale tab, or someone else's) is turned away and the
            // wait goes on: only this sign-in's state ends it.
            if params.get("state").map(String::as_str) != Some(state) {
                let _ = stream
                    .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: 46\r\nconnection: close\r\n\r\nthis is not the sign-in the app is waiting for")
                    .await;
                continue;
            }
            let outcome = match (params.get("code"), params.get("error")) {
                (_, Some(error)) => Err(format!("the team server did not sign you in: {error}")),
                (Some(code), None) => Ok(code.clone()),
                (None, None) => {
                    Err("the browser came back without a code: sign in again".to_owned())
                }
            };
            let words = if outcome.is_ok() {
                "You are signed in. Go back to the ScimLab app; you may close this tab."
            } else {
                "The sign-in did not work. Go back to the ScimLab app to see why."
            };
            let page = format!(
                "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>ScimLab</title><p style=\"font:16px system-ui;margin:3rem\">{words}</p></html>"
            );
            let _ = stream
                .write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncache-control: no-store\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                        page.len()
                    )
                    .as_bytes(),
                )
                .await;
            let _ = stream.shutdown().await;
            return outcome.map(|code| LoopbackSignIn {
                code,
                redirect_uri: redirect_uri.clone(),
            });
        }
    };
    tokio::time::timeout(within, wait).await.map_err(|_| {
        format!(
            "no sign-in came back within {} minutes: sign in again",
            within.as_secs() / 60
        )
    })?
}

/// Why the engine did not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// The SCIM address is taken: offer `suggestedAddr`.
    ScimPortInUse,
    /// Anything else (database, permissions): the message says what to fix.
    Other,
}

/// Why the engine did not start, with a way out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StartupProblem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// What went wrong and how to fix it.
    pub message: String,
    /// The SCIM address that was asked for, when it matters.
    pub addr: Option<String>,
    /// A free address to offer instead.
    pub suggested_addr: Option<String>,
}

impl StartupProblem {
    /// The problem behind a failed [`crate::Engine::start`].
    pub fn from_error(e: &EngineError) -> Self {
        match e {
            EngineError::ScimAddrInUse { addr, suggestion } => Self {
                kind: ProblemKind::ScimPortInUse,
                message: e.to_string(),
                addr: Some(addr.to_string()),
                suggested_addr: suggestion.map(|s| s.to_string()),
            },
            other => Self {
                kind: ProblemKind::Other,
                message: other.to_string(),
                addr: None,
                suggested_addr: None,
            },
        }
    }
}

/// The host's answer to "where is the engine": a connection, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(untagged)]
pub enum ConnectionState {
    /// The engine runs.
    Running {
        /// Always `true`.
        #[ts(type = "true")]
        ok: bool,
        /// How to reach it.
        connection: Connection,
    },
    /// The engine did not start.
    Failed {
        /// Always `false`.
        #[ts(type = "false")]
        ok: bool,
        /// Why, and what to do.
        problem: StartupProblem,
    },
}

impl ConnectionState {
    /// The state for a running engine (`token` included: only for the host's own webview).
    pub fn running(handle: &EngineHandle) -> Self {
        Self::Running {
            ok: true,
            connection: Connection {
                admin_url: handle.admin_base_url(),
                token: Some(handle.admin_token()),
                team_server: None,
            },
        }
    }

    /// The state for a team server the app is connected to.
    pub fn team(server: &TeamServer) -> Self {
        Self::Running {
            ok: true,
            connection: Connection {
                admin_url: server.url.clone(),
                token: Some(server.token.clone()),
                team_server: Some(server.url.clone()),
            },
        }
    }

    /// A problem of kind `other` with `message` (about `addr`, when one is concerned).
    pub fn other(message: impl Into<String>, addr: Option<String>) -> Self {
        Self::Failed {
            ok: false,
            problem: StartupProblem {
                kind: ProblemKind::Other,
                message: message.into(),
                addr,
                suggested_addr: None,
            },
        }
    }

    /// The state for a failed start.
    pub fn failed(e: &EngineError) -> Self {
        Self::Failed {
            ok: false,
            problem: StartupProblem::from_error(e),
        }
    }
}

/// Listen settings a desktop host applies by restarting the engine, and keeps for the next
/// launch. Absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListenSettings {
    /// SCIM listener address, e.g. `127.0.0.1:8787` (or `0.0.0.0:8787` for the LAN).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scim_addr: Option<String>,
    /// Strict RFC mode.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    /// Captured exchanges kept.
    #[ts(optional, type = "number")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_loopback_redirect_takes_its_own_state_and_code_only() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let waiting = tokio::spawn(async move {
            receive_loopback_sign_in(listener, "s-1", std::time::Duration::from_secs(10)).await
        });
        let get = |path: String| async move {
            let mut c = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            c.write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes())
                .await
                .unwrap();
            let mut out = String::new();
            c.read_to_string(&mut out).await.unwrap();
            out
        };
        assert!(get("/favicon.ico".into()).await.starts_with("HTTP/1.1 404"));
        let page = get("/callback?code=c0de&state=s-1".into()).await;
        assert!(page.contains("You are signed in"), "{page}");
        let got = waiting.await.unwrap().unwrap();
        assert_eq!(got.code, "c0de");
        assert_eq!(
            got.redirect_uri,
            format!("http://127.0.0.1:{port}/callback")
        );
        // Another sign-in's state is turned away, and the wait goes on for this one's.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let waiting = tokio::spawn(async move {
            receive_loopback_sign_in(listener, "s-2", std::time::Duration::from_secs(10)).await
        });
        let get = |path: &'static str| async move {
            let mut c = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            c.write_all(format!("GET {path} HTTP/1.1\r\n\r\n").as_bytes())
                .await
                .unwrap();
            let mut out = String::new();
            c.read_to_string(&mut out).await.unwrap();
            out
        };
        assert!(
            get("/callback?code=x&state=other")
                .await
                .starts_with("HTTP/1.1 400")
        );
        assert!(!waiting.is_finished());
        assert!(
            get("/callback?error=access_denied&state=s-2")
                .await
                .contains("did not work")
        );
        let e = waiting.await.unwrap().unwrap_err();
        assert!(e.contains("did not sign you in: access_denied"), "{e}");
    }

    #[test]
    fn a_team_server_is_https_or_loopback_with_a_personal_token() {
        let token = format!("slp_{}_{}", "a".repeat(12), "b".repeat(64));
        let s = TeamServer::new(" https://scimlab.example.com:8788/ ", &token).unwrap();
        assert_eq!(s.url, "https://scimlab.example.com:8788");
        assert_eq!(
            TeamServer::new("http://127.0.0.1:8788", &token)
                .unwrap()
                .url,
            "http://127.0.0.1:8788"
        );
        for (url, says) in [
            ("http://scimlab.example.com", "plain http"),
            ("https://scimlab.example.com/api", "path or query"),
            ("ftp://x", "is ftp"),
            ("scimlab.example.com", "not an address"),
        ] {
            let e = TeamServer::new(url, &token).unwrap_err();
            assert!(e.contains(says), "{url}: {e}");
        }
        let e = TeamServer::new("https://x.example", "the-launch-token-0123456789").unwrap_err();
        assert!(e.contains("not a personal admin token"), "{e}");
        let json = serde_json::to_value(ConnectionState::team(&s)).unwrap();
        assert_eq!(
            json["connection"]["teamServer"],
            "https://scimlab.example.com:8788"
        );
        assert_eq!(
            json["connection"]["adminUrl"],
            "https://scimlab.example.com:8788"
        );
    }

    #[test]
    fn a_taken_port_becomes_an_offer_of_another() {
        let e = EngineError::ScimAddrInUse {
            addr: "127.0.0.1:8787".parse().unwrap(),
            suggestion: Some("127.0.0.1:8789".parse().unwrap()),
        };
        let json = serde_json::to_value(ConnectionState::failed(&e)).unwrap();
        assert_eq!(json["ok"], false);
        assert_eq!(json["problem"]["kind"], "scim-port-in-use");
        assert_eq!(json["problem"]["addr"], "127.0.0.1:8787");
        assert_eq!(json["problem"]["suggestedAddr"], "127.0.0.1:8789");
        let message = json["problem"]["message"].as_str().unwrap();
        assert!(
            message.contains("already in use") && message.contains("127.0.0.1:8789"),
            "{message}"
        );
    }

    #[test]
    fn listen_settings_refuse_unknown_fields() {
        let s: ListenSettings = serde_json::from_str(r#"{"scimAddr":"127.0.0.1:9000"}"#).unwrap();
        assert_eq!(s.scim_addr.as_deref(), Some("127.0.0.1:9000"));
        assert!(serde_json::from_str::<ListenSettings>(r#"{"port":1}"#).is_err());
    }
}
