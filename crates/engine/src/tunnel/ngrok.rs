//! An ngrok tunnel the admin runs (`ngrok http <scim port>`), read from ngrok's local API
//! (`GET http://127.0.0.1:4040/api/tunnels`, 1 s timeout). ScimLab only reads it: it neither
//! starts nor stops ngrok. Only a tunnel whose `config.addr` is the SCIM port on this machine
//! counts — a tunnel to the admin port or another program is never offered to the IdP.

use super::TunnelSettings;
use serde_json::Value;
use std::time::Duration;

/// How long ngrok's local API has to answer.
const TIMEOUT: Duration = Duration::from_secs(1);

/// Whether ngrok's `config.addr` (`8787`, `localhost:8787`, `http://127.0.0.1:8787`, …) is
/// `port` on this machine.
fn addr_is_port(addr: &str, port: u16) -> bool {
    let rest = addr.split_once("://").map_or(addr, |(_, r)| r);
    let rest = rest.trim_end_matches('/');
    let (host, p) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, p),
        None => ("localhost", rest),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let local = matches!(host, "localhost" | "::1" | "0.0.0.0" | "") || host.starts_with("127.");
    local && p.parse::<u16>().ok() == Some(port)
}

/// The https public URL of the first tunnel in an `/api/tunnels` answer that forwards to
/// `port`, without a trailing slash.
pub fn matching_tunnel(body: &Value, port: u16) -> Option<String> {
    body.get("tunnels")?
        .as_array()?
        .iter()
        .filter(|t| {
            t.pointer("/config/addr")
                .and_then(Value::as_str)
                .is_some_and(|a| addr_is_port(a, port))
        })
        .filter_map(|t| t.get("public_url").and_then(Value::as_str))
        .find(|u| u.starts_with("https://"))
        .map(|u| u.trim_end_matches('/').to_owned())
}

/// Ask ngrok's local API for a tunnel to the SCIM port; `None` when ngrok does not answer,
/// answers something else, or tunnels another port.
pub(super) async fn probe(settings: &TunnelSettings) -> Option<String> {
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .no_proxy()
        .build()
        .ok()?;
    let resp = client.get(&settings.ngrok_api).send().await.ok()?;
    if !resp.status().is_success() {
        return None;
    }
    let body: Value = resp.json().await.ok()?;
    matching_tunnel(&body, settings.scim_port)
}
