//! Connection limits (issue 11 §2), over loopback against a real engine with small limits: a
//! trickled head is closed by the header read timeout, an idle kept-alive connection by the
//! idle timeout, a connection over the cap and a client over its share get `503` with
//! `Retry-After` at once (never a hang), oversized heads get `431`, and the admin listener
//! answers `/api/health` fast while the SCIM port is flooded with slow connections.
//! Every loop and wait here is bounded.

use scimlab_tests::{Reply, TestEngine, assert_scim_error, fetch};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A client that opens a new connection for every request (no pooled connection hides a cap).
fn fresh_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// The SCIM listener's address.
fn scim_addr(e: &TestEngine) -> SocketAddr {
    e.engine().scim_addr
}

/// Read until the peer closes (or fails) or `within` passes: what was read and when it closed
/// (`None`: still open at `within`).
async fn read_until_closed(s: &mut TcpStream, within: Duration) -> (Vec<u8>, Option<Duration>) {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let left = within.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Err(_) => return (got, None),
            Ok(Ok(0) | Err(_)) => return (got, Some(start.elapsed())),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Poll `attempt` every 50 ms until it returns `Some`, for at most 5 s.
async fn eventually<T, F, Fut>(what: &str, mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(v) = attempt().await {
            return v;
        }
        assert!(Instant::now() < deadline, "not within 5 s: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A `503` for a cap: `Retry-After`, an RFC 7644 error body that names the limit.
fn assert_over_cap(r: &Reply, names: &str) {
    assert_scim_error!(r, 503);
    assert_eq!(r.header("retry-after"), "5", "{r:?}");
    let detail = r.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(names), "{detail}");
}

#[tokio::test]
async fn a_head_trickled_one_line_at_a_time_is_closed_by_the_header_read_timeout() {
    let e = TestEngine::start_with(|c| {
        c.header_read_timeout = Duration::from_secs(1);
        c.idle_timeout = Duration::from_secs(30);
    })
    .await;
    let stream = TcpStream::connect(scim_addr(&e)).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let start = Instant::now();
    let closed = tokio::spawn(async move {
        let mut buf = [0u8; 1024];
        // The server sends nothing before the head is complete: the first read ends with the close.
        let r = tokio::time::timeout(Duration::from_secs(10), rd.read(&mut buf)).await;
        (start.elapsed(), matches!(r, Ok(Ok(0) | Err(_))))
    });
    wr.write_all(b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // One header line every 200 ms: 10 s worth, unless the server closes first.
    for i in 0..50 {
        if closed.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        if wr
            .write_all(format!("X-Slow-{i}: 1\r\n").as_bytes())
            .await
            .is_err()
        {
            break;
        }
    }
    let (after, eof) = closed.await.unwrap();
    assert!(eof, "the connection was closed, not left open");
    assert!(
        after >= Duration::from_millis(900) && after < Duration::from_secs(3),
        "closed after {after:?}; the header read timeout is 1 s"
    );
    // Others are unaffected.
    assert_eq!(e.get("/Users").await.status, 200);
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() {
    let e = TestEngine::start_with(|c| {
        c.header_read_timeout = Duration::from_secs(10);
        c.idle_timeout = Duration::from_secs(1);
    })
    .await;
    let mut s = TcpStream::connect(scim_addr(&e)).await.unwrap();
    let request = format!(
        "GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        e.key
    );
    // Two requests on one connection: it is kept alive between them.
    for _ in 0..2 {
        s.write_all(request.as_bytes()).await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        while !String::from_utf8_lossy(&got).contains("\"Resources\"") {
            let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
                .await
                .expect("an answer")
                .unwrap();
            assert!(n > 0, "closed while answering");
            got.extend_from_slice(&buf[..n]);
        }
        assert!(got.starts_with(b"HTTP/1.1 200"), "{got:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let (rest, closed) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(rest.is_empty(), "nothing more was sent: {rest:?}");
    let after = closed.expect("the idle connection was closed");
    // 300 ms of the 1 s idle timeout had passed before waiting here.
    assert!(
        after >= Duration::from_millis(500) && after < Duration::from_secs(3),
        "closed {after:?} after the wait began"
    );
}

#[tokio::test]
async fn over_the_connection_cap_a_new_connection_gets_503_with_retry_after_at_once() {
    let e = TestEngine::start_with(|c| {
        c.max_connections = 4;
        c.header_read_timeout = Duration::from_secs(30);
    })
    .await;
    let addr = scim_addr(&e);
    let url = format!("{}/Users", e.base);
    let http = fresh_client();
    // Four connections that say nothing hold the four places.
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    let auth = format!("Bearer {}", e.key);
    let r = eventually("the fifth connection is turned away", || async {
        let r = fetch(&http, "GET", &url, None, &[("authorization", &auth)]).await;
        (r.status == 503).then_some(r)
    })
    .await;
    assert_over_cap(&r, "limit 4");
    // Turned away at once, every time.
    for _ in 0..5 {
        let t = Instant::now();
        let r = fetch(&http, "GET", &url, None, &[("authorization", &auth)]).await;
        assert_eq!(r.status, 503);
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    }
    // A place that frees up is taken again.
    drop(held.pop());
    eventually("a freed place serves again", || async {
        let r = fetch(&http, "GET", &url, None, &[("authorization", &auth)]).await;
        (r.status == 200).then_some(())
    })
    .await;
}

/// Start an authenticated create whose body never completes: a request in flight on its own
/// connection, as the client `forwarded_for` behind a tunnel ("": a local program).
async fn stalled_create(e: &TestEngine, forwarded_for: &str) -> TcpStream {
    let mut s = TcpStream::connect(scim_addr(e)).await.unwrap();
    let forwarded = if forwarded_for.is_empty() {
        String::new()
    } else {
        format!("X-Forwarded-For: {forwarded_for}\r\n")
    };
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n{forwarded}Content-Type: application/scim+json\r\nContent-Length: 1000\r\n\r\n{{\"schemas\":",
        e.key
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s
}

#[tokio::test]
async fn a_client_over_its_share_of_requests_gets_503_and_other_clients_do_not() {
    let e = TestEngine::start_with(|c| c.max_connections_per_client = 2).await;
    let url = format!("{}/Users", e.base);
    let http = fresh_client();
    let auth = format!("Bearer {}", e.key);
    let flood = "203.0.113.7";
    let stalled = vec![
        stalled_create(&e, flood).await,
        stalled_create(&e, flood).await,
    ];
    // Behind a tunnel every peer is 127.0.0.1: the forwarded address is the client.
    let r = eventually(
        "the flooding client's third request is turned away",
        || async {
            let r = fetch(
                &http,
                "GET",
                &url,
                None,
                &[("authorization", &auth), ("x-forwarded-for", flood)],
            )
            .await;
            (r.status == 503).then_some(r)
        },
    )
    .await;
    assert_over_cap(&r, "too many requests in flight from one client (limit 2)");
    for other in [
        vec![("x-forwarded-for", "198.51.100.9")],
        vec![("cf-connecting-ip", "2001:db8::1")],
        vec![],
    ] {
        let mut headers = other.clone();
        headers.push(("authorization", &auth));
        let r = fetch(&http, "GET", &url, None, &headers).await;
        assert_eq!(r.status, 200, "{other:?} is another client: {r:?}");
    }
    // A program on this machine (loopback, no forwarded client) is only under the connection cap.
    let local = vec![
        stalled_create(&e, "").await,
        stalled_create(&e, "").await,
        stalled_create(&e, "").await,
    ];
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = fetch(&http, "GET", &url, None, &[("authorization", &auth)]).await;
    assert_eq!(
        r.status, 200,
        "a local client is not capped per client: {r:?}"
    );
    drop(local);
    drop(stalled);
    eventually(
        "the client's requests are served once its stalled ones end",
        || async {
            let r = fetch(
                &http,
                "GET",
                &url,
                None,
                &[("authorization", &auth), ("x-forwarded-for", flood)],
            )
            .await;
            (r.status == 200).then_some(())
        },
    )
    .await;
}

/// This machine's address on its first non-loopback interface, if it has one.
fn non_loopback_ip() -> Option<IpAddr> {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    probe.connect("192.0.2.1:9").ok()?; // routes only; nothing is sent
    let ip = probe.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test]
async fn a_peer_over_its_share_of_connections_gets_503_but_loopback_tunnel_agents_do_not() {
    let Some(ip) = non_loopback_ip() else {
        eprintln!("skipped: this machine has no non-loopback address to connect from");
        return;
    };
    let e = TestEngine::start_with(|c| {
        c.scim_addr = "0.0.0.0:0".parse().unwrap();
        c.max_connections_per_client = 2;
        c.header_read_timeout = Duration::from_secs(30);
    })
    .await;
    let port = scim_addr(&e).port();
    let lan = SocketAddr::new(ip, port);
    let http = fresh_client();
    let auth = format!("Bearer {}", e.key);
    let held = [
        TcpStream::connect(lan).await.unwrap(),
        TcpStream::connect(lan).await.unwrap(),
    ];
    let url = format!("http://{lan}/scim/v2/Users");
    let r = eventually(
        "a third connection from the same address is turned away",
        || async {
            let r = fetch(&http, "GET", &url, None, &[("authorization", &auth)]).await;
            (r.status == 503).then_some(r)
        },
    )
    .await;
    assert_over_cap(&r, "too many open connections from one client (limit 2)");
    // A loopback peer (a tunnel agent carries every client) is not capped per address.
    let mut local = Vec::new();
    for _ in 0..4 {
        local.push(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
    }
    let r = fetch(
        &http,
        "GET",
        &format!("http://127.0.0.1:{port}/scim/v2/Users"),
        None,
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    drop(held);
}

/// Send `head` on a new connection; the status line of the answer, or "" when the connection
/// was closed without one.
async fn status_line_of(addr: SocketAddr, head: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before the whole head is written.
    let _ = s.write_all(head).await;
    let (got, _) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    String::from_utf8_lossy(&got)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn an_oversized_head_or_too_many_header_lines_get_431() {
    let e = TestEngine::start_with(|c| c.max_header_bytes = 8 * 1024).await;
    let addr = scim_addr(&e);
    let big = format!(
        "GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(16 * 1024)
    );
    let line = status_line_of(addr, big.as_bytes()).await;
    assert!(
        line.starts_with("HTTP/1.1 431") || line.is_empty(),
        "a 16 KiB header over an 8 KiB limit: {line:?}"
    );
    let mut many = String::from("GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n");
    for i in 0..150 {
        many.push_str(&format!("X-H{i}: 1\r\n"));
    }
    many.push_str("Connection: close\r\n\r\n");
    let line = status_line_of(addr, many.as_bytes()).await;
    assert!(
        line.starts_with("HTTP/1.1 431") || line.is_empty(),
        "150 header lines: {line:?}"
    );
    // Under the limit is served.
    let fits = format!(
        "GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        e.key,
        "a".repeat(4 * 1024)
    );
    assert!(
        status_line_of(addr, fits.as_bytes())
            .await
            .starts_with("HTTP/1.1 200")
    );
}

/// One request on a new connection: its status, or the error when the connection was closed
/// without an answer; panics if it takes 2 s (a hang).
async fn status_or_closed(http: &reqwest::Client, url: &str, auth: &str) -> Result<u16, String> {
    let t = Instant::now();
    let r = http.get(url).header("authorization", auth).send().await;
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "took {:?}",
        t.elapsed()
    );
    match r {
        Ok(r) => Ok(r.status().as_u16()),
        Err(e) => Err(e.to_string()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_listener_answers_health_fast_while_the_scim_port_is_flooded() {
    let e = TestEngine::start_with(|c| {
        c.max_connections = 64;
        c.header_read_timeout = Duration::from_secs(30);
    })
    .await;
    let addr = scim_addr(&e);
    // 200 slow clients: each sends a partial head and a header line every 100 ms, and
    // connects again when turned away, until told to stop (or 20 s).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut flood = Vec::new();
    for i in 0..200 {
        let stop = stop.clone();
        flood.push(tokio::spawn(async move {
            let end = Instant::now() + Duration::from_secs(20);
            while Instant::now() < end && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let Ok(mut s) = TcpStream::connect(addr).await else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let _ = s.write_all(b"GET /scim/v2/Users HTTP/1.1\r\n").await;
                for n in 0.. {
                    if Instant::now() >= end || stop.load(std::sync::atomic::Ordering::Relaxed) {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let line = format!("X-{i}-{n}: 1\r\n");
                    if s.write_all(line.as_bytes()).await.is_err() {
                        break; // turned away: connect again
                    }
                }
            }
        }));
    }
    // The SCIM port is full: a new client is turned away at once (503, or closed unanswered
    // when the listener is busy turning others away), never left hanging.
    let http = fresh_client();
    let url = format!("{}/Users", e.base);
    let auth = format!("Bearer {}", e.key);
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = status_or_closed(&http, &url, &auth).await;
        let full = r != Ok(200);
        seen.push(r);
        if full {
            break;
        }
        assert!(Instant::now() < deadline, "not saturated within 5 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..10 {
        let r = status_or_closed(&http, &url, &auth).await;
        assert!(r != Ok(200), "served while full: {seen:?}");
        seen.push(r);
    }
    // The admin listener has its own budget: /api/health on a new connection each time.
    let token = format!("Bearer {}", e.admin_token());
    let health = e.admin_url("/api/health");
    let mut times = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let r = fetch(&http, "GET", &health, None, &[("authorization", &token)]).await;
        times.push(t.elapsed());
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.body["status"], "ok");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for f in flood {
        let _ = f.await;
    }
    times.sort();
    let median = times[times.len() / 2];
    let worst = times[times.len() - 1];
    let answered = seen.iter().filter(|r| **r == Ok(503)).count();
    eprintln!(
        "admin /api/health under a slow-connection flood: median {median:?}, worst {worst:?}; \
         scim requests while full: {answered} of {} answered 503, the rest closed",
        seen.len()
    );
    assert!(median < Duration::from_millis(50), "median {median:?}");
    assert!(worst < Duration::from_millis(100), "worst {worst:?}");
    // Once the flood is gone the port serves again.
    eventually("the scim port serves after the flood", || async {
        (status_or_closed(&http, &url, &auth).await == Ok(200)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_stop_finishes_requests_in_flight_and_does_not_wait_for_a_trickled_head() {
    let e = TestEngine::start_with(|c| c.header_read_timeout = Duration::from_secs(30)).await;
    let addr = scim_addr(&e);
    // A head that never completes: without a request in flight, it must not hold the stop up.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // A create in flight: its head is in, its body arrives after the stop began.
    let body = format!(
        "{:<1000}",
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"in-flight@example.com"}"#
    );
    let mut busy = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n",
        e.key,
        body.len()
    );
    busy.write_all(head.as_bytes()).await.unwrap();
    busy.write_all(&body.as_bytes()[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let stop = tokio::spawn(e.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    busy.write_all(&body.as_bytes()[10..]).await.unwrap();
    let (answer, _) = read_until_closed(&mut busy, Duration::from_secs(5)).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 201"),
        "the request in flight finished: {}",
        String::from_utf8_lossy(&answer)
    );
    let (_, closed) = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "the trickling connection was closed");
    let dir = stop.await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "stopped in {:?} (the header timeout is 30 s)",
        started.elapsed()
    );
    // The create is stored.
    let e = TestEngine::start_in(dir, |_| {}).await;
    let r = e
        .get("/Users?filter=userName%20eq%20%22in-flight@example.com%22")
        .await;
    assert_eq!(r.body["totalResults"], 1, "{r:?}");
}
