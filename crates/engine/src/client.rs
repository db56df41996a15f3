//! Who is calling: the client a request comes from, for limits, folding and IdP inheritance.
//!
//! On the SCIM port the TCP peer is the client, except behind a tunnel (ngrok, cloudflared):
//! then every request arrives from a loopback address and the real client is named by the
//! tunnel in a header. So for a *loopback* peer only, the first of `CF-Connecting-IP`,
//! `X-Real-IP` or the first `X-Forwarded-For` hop that parses as an IP address is the client;
//! a non-loopback peer is never overridden (anyone could send those headers). This keeps a flood
//! from the internet and Entra's traffic apart even though both come through the same tunnel.

use axum::http::HeaderMap;
use std::net::IpAddr;

/// The client of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientId {
    /// The client's address: the peer, or the tunnel's forwarded address for a loopback peer.
    pub ip: IpAddr,
    /// Whether `ip` came from a tunnel's header rather than from the TCP peer.
    pub forwarded: bool,
}

/// Headers a tunnel names the original client in, most specific first.
const FORWARDED_HEADERS: [&str; 3] = ["cf-connecting-ip", "x-real-ip", "x-forwarded-for"];

/// The client of a request from `peer` with `headers` (see the module docs).
pub fn client_of(peer: IpAddr, headers: &HeaderMap) -> ClientId {
    if peer.is_loopback() {
        for name in FORWARDED_HEADERS {
            let first_hop = headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(str::trim)
                .and_then(|v| v.parse::<IpAddr>().ok());
            if let Some(ip) = first_hop {
                return ClientId {
                    ip,
                    forwarded: true,
                };
            }
        }
    }
    ClientId {
        ip: peer,
        forwarded: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn a_tunnel_names_the_client_for_loopback_peers_only() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let h = headers(&[("x-forwarded-for", "203.0.113.7, 10.0.0.1")]);
        assert_eq!(
            client_of(lo, &h),
            ClientId {
                ip: "203.0.113.7".parse().unwrap(),
                forwarded: true
            }
        );
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.7"),
            ("cf-connecting-ip", "2001:db8::1"),
        ]);
        assert_eq!(
            client_of(lo, &h).ip,
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        // A peer on the network cannot claim another address.
        let lan: IpAddr = "192.168.1.20".parse().unwrap();
        assert_eq!(
            client_of(lan, &h),
            ClientId {
                ip: lan,
                forwarded: false
            }
        );
        // Garbage in the header is ignored.
        let h = headers(&[("x-forwarded-for", "not-an-ip"), ("x-real-ip", "")]);
        assert_eq!(
            client_of(lo, &h),
            ClientId {
                ip: lo,
                forwarded: false
            }
        );
    }
}
