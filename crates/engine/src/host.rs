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
    /// A personal admin token (`slp_…`).
    pub token: String,
}

impl TeamServer {
    /// A team server at `url` with `token`, checked: an `https` address (plain `http` only on
    /// this machine's loopback: a token must not cross a network in the clear), no path, no
    /// query; a personal token.
    pub fn new(url: &str, token: &str) -> Result<Self, String> {
        let parsed = url::Url::parse(url.trim())
            .map_err(|e| format!("'{url}' is not an address ({e}): write https://host:port"))?;
        let loopback = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
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
        let token = token.trim();
        if !crate::access::is_personal_token(token) {
            return Err("the token is not a personal admin token (slp_…): an owner of the team server makes one with 'scimlab admin-user add NAME --role viewer'".into());
        }
        Ok(Self {
            url: parsed.as_str().trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }
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

    #[test]
    fn a_team_server_is_https_or_loopback_with_a_personal_token() {
        let token = format!("slp_{}_{}", "a".repeat(12), "b".repeat(64));
        let s = TeamServer::new(" https://scimlab.example.com:8788/ ", &token).unwrap();
        assert_eq!(s.url, "https://scimlab.example.com:8788");
        assert_eq!(TeamServer::new("http://127.0.0.1:8788", &token).unwrap().url, "http://127.0.0.1:8788");
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
        assert_eq!(json["connection"]["teamServer"], "https://scimlab.example.com:8788");
        assert_eq!(json["connection"]["adminUrl"], "https://scimlab.example.com:8788");
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
