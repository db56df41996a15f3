//! Serving a listener: the accept loop and every connection on it, with the limits that keep a
//! port that a tunnel exposes to the internet from being exhausted by whoever finds it.
//!
//! `axum::serve` has no timeouts and no caps, so each listener is served here with hyper's
//! HTTP/1 connection directly (what `axum::serve` does underneath):
//!
//! - **header read timeout**: a request's head (request line and headers) must arrive within
//!   [`Limits::header_read_timeout`], counted from the connection's accept or, on a kept-alive
//!   connection, from the first byte of the next request. A client trickling one header line
//!   a second is closed when it runs out.
//! - **idle timeout**: a kept-alive connection with no request in flight is closed after
//!   [`Limits::idle_timeout`]; so is a request that neither reads nor writes a byte for that long
//!   (a stalled body). Independent of the header timeout, so it can outlast the idle timeout of
//!   a tunnel agent's connection pool (90 s for cloudflared and Go's HTTP client): the agent
//!   then closes first and never sends a request on a connection being closed here.
//! - **connection caps**: at most [`Limits::max_connections`] open at once on this listener and,
//!   when set, [`Limits::per_client`] per client — open connections per peer address (except
//!   loopback peers, which are a tunnel agent carrying every client at once) and requests in
//!   flight per [`client_of`] (the tunnel's forwarded address for a loopback peer; a loopback
//!   peer that names no forwarded client is a program on this machine — the simulator, a
//!   script — and only the connection cap applies to it). Over a cap a
//!   new connection gets a canned `503` with `Retry-After` and closes, a request gets the same
//!   `503`; past [`MAX_REJECTING`] connections being turned away at once the rest are closed
//!   unanswered. Nothing over a cap waits.
//! - **header size**: at most [`Limits::max_header_bytes`] of head and [`MAX_HEADERS`] header
//!   lines; more gets hyper's `431` and the connection closes.
//!
//! Graceful shutdown is `axum::serve`'s: stop accepting, let in-flight requests finish (their
//! connections close after the response), close idle connections at once; and a connection
//! whose request's head is still arriving gets [`STOP_HEAD_GRACE`], not its header timeout. Connections are tasks
//! of a [`JoinSet`] owned by the serving task, so aborting that task (the engine does after its
//! grace period) cuts every connection off and drops their router clones with it.
//!
//! Counters are plain atomics and a `std::sync::Mutex<HashMap>` per listener: held for a map
//! update only, never across an await; the maps hold one entry per client with something open,
//! so they are bounded by the connection cap.

use crate::client::client_of;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Most header lines a request may carry: hyper's default, left as it is (more gets `431`).
pub const MAX_HEADERS: usize = 100;
/// Most connections turned away with a `503` at once on one listener; past it, connections
/// over a cap are closed without an answer (each answer takes a task for up to a second).
pub const MAX_REJECTING: usize = 64;
/// `Retry-After` (seconds) of a `503` for a cap.
pub const RETRY_AFTER_SECS: u64 = 5;
/// How long a turned-away connection may take to send its request's head; then to receive its
/// `503` and close.
const REJECT_TIME: Duration = Duration::from_secs(1);
/// Bytes of a turned-away connection's request read (and dropped) around its `503`: the head
/// first (an HTTP client takes an answer to a request it has not sent as an error), then what
/// follows, so that closing does not reset the connection before the client has read the answer.
const REJECT_DRAIN: usize = 64 * 1024;
/// After shutdown began, how long a connection with no request in flight may still take to
/// send one (an idle one is closed by hyper at once).
const STOP_HEAD_GRACE: Duration = Duration::from_secs(1);
/// Least time between two warnings that a listener turned connections away.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// The limits of one listener.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Which listener, for logs and answers: `scim` or `admin`.
    pub name: &'static str,
    /// Time for a request's head to arrive (from accept, or from the first byte of a request on
    /// a kept-alive connection).
    pub header_read_timeout: Duration,
    /// Time a connection may stay open with no request in flight, or a request with no byte
    /// read or written.
    pub idle_timeout: Duration,
    /// Connections open at once on this listener.
    pub max_connections: usize,
    /// Connections per peer address (loopback peers exempt) and requests in flight per client;
    /// `None`: no per-client limit (the admin listener: every client is this machine).
    pub per_client: Option<usize>,
    /// Largest request head (request line and headers), in bytes.
    pub max_header_bytes: usize,
    /// How a `503` body is written on this listener.
    pub error_style: ErrorStyle,
    /// TLS on this listener (the admin listener in team mode): the handshake must finish within
    /// the header read timeout; a connection over a cap is closed unanswered (a plain `503`
    /// would not be TLS).
    pub tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
}

/// The body of this listener's `503`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorStyle {
    /// An RFC 7644 §3.12 error (`application/scim+json`), as every SCIM answer.
    Scim,
    /// The admin API's `{"error": "…"}`.
    Admin,
}

/// Why a connection or request is turned away.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    Connections,
    ClientConnections,
    ClientRequests,
}

impl Limits {
    fn detail(&self, why: Refusal) -> String {
        let (what, flag) = match why {
            Refusal::Connections => (
                format!(
                    "too many open connections to the {} listener (limit {})",
                    self.name, self.max_connections
                ),
                "--max-connections / SCIMLAB_MAX_CONNECTIONS",
            ),
            Refusal::ClientConnections => (
                format!(
                    "too many open connections from one client (limit {})",
                    self.per_client.unwrap_or_default()
                ),
                "--max-connections-per-client / SCIMLAB_MAX_CONNECTIONS_PER_CLIENT",
            ),
            Refusal::ClientRequests => (
                format!(
                    "too many requests in flight from one client (limit {})",
                    self.per_client.unwrap_or_default()
                ),
                "--max-connections-per-client / SCIMLAB_MAX_CONNECTIONS_PER_CLIENT",
            ),
        };
        format!("{what}: retry after {RETRY_AFTER_SECS} s (the limit is {flag})")
    }

    fn body(&self, why: Refusal) -> (&'static str, String) {
        let detail = self.detail(why);
        match self.error_style {
            ErrorStyle::Scim => (
                "application/scim+json",
                serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": "503",
                    "detail": detail,
                })
                .to_string(),
            ),
            ErrorStyle::Admin => (
                "application/json",
                serde_json::json!({ "error": detail }).to_string(),
            ),
        }
    }

    /// The `503` for `why` as a response (for a request over a cap).
    fn response(&self, why: Refusal) -> Response<Body> {
        let (content_type, body) = self.body(why);
        let mut resp = Response::new(Body::from(body));
        *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        h.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }

    /// The `503` for `why` as raw bytes (for a connection over a cap: no request was read).
    fn raw_response(&self, why: Refusal) -> Vec<u8> {
        let (content_type, body) = self.body(why);
        format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: {content_type}\r\nretry-after: {RETRY_AFTER_SECS}\r\ncache-control: no-store\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }
}

/// Counts per client address, bounded by what is open (an entry goes when its count is 0).
#[derive(Default)]
struct PerClient(Mutex<HashMap<IpAddr, usize>>);

impl PerClient {
    /// Count one more for `ip` unless it has `limit` already.
    fn try_add(self: &Arc<Self>, ip: IpAddr, limit: usize) -> Option<ClientSlot> {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let n = map.entry(ip).or_default();
        if *n >= limit {
            if *n == 0 {
                map.remove(&ip);
            }
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            map: self.clone(),
            ip,
        })
    }
}

/// One counted connection or request of a client; uncounted on drop.
struct ClientSlot {
    map: Arc<PerClient>,
    ip: IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut map = self.map.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// What one listener shares between its accept loop and its connections.
struct Shared {
    limits: Limits,
    router: Router,
    /// Connections open (served, not counting those being turned away).
    open: AtomicUsize,
    /// Connections being answered `503` right now.
    rejecting: AtomicUsize,
    connections: Arc<PerClient>,
    requests: Arc<PerClient>,
    /// Turned away since the last warning, and when that was (ms since `started`).
    refused: AtomicU64,
    last_warn_ms: AtomicU64,
    started: Instant,
}

impl Shared {
    /// Count a refusal and warn about the refusals so far, at most every [`WARN_EVERY`].
    fn note_refusal(&self, why: Refusal) {
        self.refused.fetch_add(1, Ordering::Relaxed);
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.last_warn_ms.load(Ordering::Relaxed);
        let every = u64::try_from(WARN_EVERY.as_millis()).unwrap_or(u64::MAX);
        if (last == 0 || now.saturating_sub(last) >= every)
            && self
                .last_warn_ms
                .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let n = self.refused.swap(0, Ordering::Relaxed);
            tracing::warn!(
                listener = self.limits.name,
                refused = n,
                "turning connections or requests away with 503: {}",
                self.limits.detail(why)
            );
        }
    }
}

/// One served connection, counted in [`Shared::open`] (and per peer) until dropped.
struct OpenSlot {
    shared: Arc<Shared>,
    _peer: Option<ClientSlot>,
}

impl Drop for OpenSlot {
    fn drop(&mut self) {
        self.shared.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Serve `router` on `listener` with `limits` until `shutdown` turns true, then stop gracefully
/// (see the module docs). Returns when every connection has closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let shared = Arc::new(Shared {
        limits,
        router,
        open: AtomicUsize::new(0),
        rejecting: AtomicUsize::new(0),
        connections: Arc::default(),
        requests: Arc::default(),
        refused: AtomicU64::new(0),
        last_warn_ms: AtomicU64::new(0),
        started: Instant::now(),
    });
    let mut connections = JoinSet::new();
    let mut stop = std::pin::pin!(wait_for(shutdown.clone()));
    loop {
        let accepted = tokio::select! {
            () = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(conn) => conn,
            Err(e) => {
                accept_error(&shared, &e).await;
                continue;
            }
        };
        match admit(&shared, peer.ip()) {
            Ok(slot) => {
                connections.spawn(serve_connection(
                    stream,
                    peer,
                    shared.clone(),
                    slot,
                    shutdown.clone(),
                ));
            }
            Err(why) => turn_away(&shared, stream, why),
        }
    }
    // Closing the socket refuses new connections while the open ones finish.
    drop(listener);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Resolve once `rx` holds `true` (or its sender is gone).
pub(crate) async fn wait_for(mut rx: watch::Receiver<bool>) {
    while !*rx.borrow_and_update() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// Accept failures: a connection that went away before it was accepted is nothing; anything
/// else (out of file descriptors) is logged and waited out, so the loop does not spin.
async fn accept_error(shared: &Shared, e: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset, Interrupted};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset | Interrupted
    ) {
        return;
    }
    tracing::warn!(listener = shared.limits.name, error = %e, "could not accept a connection (out of file descriptors?); retrying in 100 ms");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Count a new connection from `ip`, or say which cap it is over.
fn admit(shared: &Arc<Shared>, ip: IpAddr) -> Result<OpenSlot, Refusal> {
    let ip = ip.to_canonical();
    let limits = &shared.limits;
    if shared.open.fetch_add(1, Ordering::AcqRel) >= limits.max_connections {
        shared.open.fetch_sub(1, Ordering::AcqRel);
        return Err(Refusal::Connections);
    }
    let peer = match limits.per_client {
        Some(limit) if !ip.is_loopback() => match shared.connections.try_add(ip, limit) {
            Some(slot) => Some(slot),
            None => {
                shared.open.fetch_sub(1, Ordering::AcqRel);
                return Err(Refusal::ClientConnections);
            }
        },
        _ => None,
    };
    Ok(OpenSlot {
        shared: shared.clone(),
        _peer: peer,
    })
}

/// Answer a connection over a cap with a `503` once its request's head is in, and close it — in
/// a task bounded by twice [`REJECT_TIME`], at most [`MAX_REJECTING`] at once; past that, close
/// it unanswered. The head is not parsed, only waited for (up to a blank line or [`REJECT_DRAIN`]).
fn turn_away(shared: &Arc<Shared>, mut stream: TcpStream, why: Refusal) {
    shared.note_refusal(why);
    if shared.limits.tls.is_some() {
        return; // dropped: closed (a plain answer is no TLS record)
    }
    if shared.rejecting.fetch_add(1, Ordering::AcqRel) >= MAX_REJECTING {
        shared.rejecting.fetch_sub(1, Ordering::AcqRel);
        return; // dropped: closed
    }
    let response = shared.limits.raw_response(why);
    let shared = shared.clone();
    tokio::spawn(async move {
        let mut buf = [0u8; 4096];
        let mut head = Vec::new();
        let head_in = tokio::time::timeout(REJECT_TIME, async {
            while head.len() < REJECT_DRAIN {
                let n = stream.read(&mut buf).await?;
                if n == 0 {
                    return Ok(false);
                }
                let from = head.len().saturating_sub(3);
                head.extend_from_slice(&buf[..n]);
                if head[from..].windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            Ok::<_, std::io::Error>(true)
        })
        .await;
        if !matches!(head_in, Ok(Ok(true))) {
            shared.rejecting.fetch_sub(1, Ordering::AcqRel);
            return;
        }
        let _ = tokio::time::timeout(REJECT_TIME, async {
            let _ = stream.set_nodelay(true);
            stream.write_all(&response).await?;
            stream.shutdown().await?;
            // Read what the client sends until it closes, so that closing here does not reset
            // the connection (and with it the client's unread answer).
            let mut read = 0;
            while read < REJECT_DRAIN {
                match stream.read(&mut buf).await? {
                    0 => break,
                    n => read += n,
                }
            }
            Ok::<_, std::io::Error>(())
        })
        .await;
        shared.rejecting.fetch_sub(1, Ordering::AcqRel);
    });
}

/// Where a connection is, for its timeouts.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Waiting for a request's head: since accept, or since the first byte after idling.
    Head { since: Instant },
    /// A request in flight; `last_io` is its last byte read or written.
    Busy { last_io: Instant },
    /// Kept alive between requests, since the last response ended.
    Idle { since: Instant },
}

/// A connection's phase, moved by its socket (bytes read) and its service (request in, response
/// out); its task sleeps until the deadline of the phase and closes the connection past it.
struct ConnState {
    phase: Mutex<Phase>,
    /// Woken when the deadline moves earlier (idle → head on the first byte of a request).
    earlier: Notify,
}

impl ConnState {
    fn set(&self, phase: Phase) {
        *self.phase.lock().unwrap_or_else(PoisonError::into_inner) = phase;
    }

    fn deadline(&self, limits: &Limits) -> Instant {
        match *self.phase.lock().unwrap_or_else(PoisonError::into_inner) {
            Phase::Head { since } => since + limits.header_read_timeout,
            Phase::Busy { last_io } => last_io + limits.idle_timeout,
            Phase::Idle { since } => since + limits.idle_timeout,
        }
    }

    fn busy(&self) -> bool {
        matches!(
            *self.phase.lock().unwrap_or_else(PoisonError::into_inner),
            Phase::Busy { .. }
        )
    }

    fn on_read(&self) {
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *phase {
            Phase::Idle { .. } => {
                *phase = Phase::Head {
                    since: Instant::now(),
                };
                drop(phase);
                self.earlier.notify_one();
            }
            Phase::Busy { last_io } => *last_io = Instant::now(),
            Phase::Head { .. } => {}
        }
    }

    fn on_write(&self) {
        if let Phase::Busy { last_io } =
            &mut *self.phase.lock().unwrap_or_else(PoisonError::into_inner)
        {
            *last_io = Instant::now();
        }
    }
}

/// The socket (or its TLS session), reporting bytes to its [`ConnState`].
struct Watched<S> {
    stream: S,
    state: Arc<ConnState>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.state.on_read();
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.state.on_write();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.state.on_write();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Serve one connection (after its TLS handshake, on a TLS listener) until it closes, its
/// phase's deadline passes, or shutdown (after which the request in flight finishes and the
/// connection closes).
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    slot: OpenSlot,
    shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let Some(tls) = shared.limits.tls.clone() else {
        return serve_stream(stream, peer, shared, slot, shutdown).await;
    };
    let handshake = tokio_rustls::TlsAcceptor::from(tls).accept(stream);
    match tokio::time::timeout(shared.limits.header_read_timeout, handshake).await {
        Ok(Ok(stream)) => serve_stream(stream, peer, shared, slot, shutdown).await,
        Ok(Err(e)) => {
            tracing::debug!(listener = shared.limits.name, %peer, error = %e, "tls handshake failed");
        }
        Err(_) => {
            tracing::debug!(listener = shared.limits.name, %peer, "tls handshake timed out");
        }
    }
}

async fn serve_stream<S>(
    stream: S,
    peer: SocketAddr,
    shared: Arc<Shared>,
    _slot: OpenSlot,
    shutdown: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let state = Arc::new(ConnState {
        phase: Mutex::new(Phase::Head {
            since: Instant::now(),
        }),
        earlier: Notify::new(),
    });
    let io = TokioIo::new(Watched {
        stream,
        state: state.clone(),
    });
    let service = ConnService {
        shared: shared.clone(),
        peer,
        state: state.clone(),
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .keep_alive(true)
        // Timeouts are this module's (a header timeout independent of the idle timeout).
        .header_read_timeout(None)
        // MAX_HEADERS is hyper's default; setting it would move header parsing to the heap.
        .max_header_size(shared.limits.max_header_bytes);
    let mut conn = std::pin::pin!(builder.serve_connection(io, service));
    let mut stop = std::pin::pin!(wait_for(shutdown));
    // When shutdown began: from then on a connection with no request in flight (a head still
    // trickling in, or idle) gets at most STOP_HEAD_GRACE more, so it cannot hold the stop up.
    let mut stopping: Option<Instant> = None;
    let deadline = |stopping: Option<Instant>| {
        let d = state.deadline(&shared.limits);
        match stopping {
            Some(at) if !state.busy() => d.min(at + STOP_HEAD_GRACE),
            _ => d,
        }
    };
    loop {
        let until = deadline(stopping);
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(listener = shared.limits.name, %peer, error = %e, "connection ended with an error");
                }
                return;
            }
            () = &mut stop, if stopping.is_none() => {
                stopping = Some(Instant::now());
                conn.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep_until(until) => {
                if deadline(stopping) <= Instant::now() {
                    let phase = *state.phase.lock().unwrap_or_else(PoisonError::into_inner);
                    tracing::debug!(listener = shared.limits.name, %peer, ?phase, "closing a connection past its timeout");
                    return;
                }
            }
            () = state.earlier.notified() => {}
        }
    }
}

/// The per-connection service: counts the request in flight (per client), marks the
/// connection busy until the response has been written, hands the request to the router.
struct ConnService {
    shared: Arc<Shared>,
    peer: SocketAddr,
    state: Arc<ConnState>,
}

/// Marks its connection idle when the response is done (or dropped).
struct BusyGuard(Arc<ConnState>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.set(Phase::Idle {
            since: Instant::now(),
        });
    }
}

type ServiceFuture = Pin<Box<dyn Future<Output = Result<Response<Body>, Dropped>> + Send>>;

/// The connection error that closes a connection without an answer (a fault rule's `drop`).
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("closed without an answer by a fault rule")
    }
}

impl std::error::Error for Dropped {}

impl hyper::service::Service<Request<Incoming>> for ConnService {
    type Response = Response<Body>;
    type Error = Dropped;
    type Future = ServiceFuture;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        self.state.set(Phase::Busy {
            last_io: Instant::now(),
        });
        let busy = BusyGuard(self.state.clone());
        let limits = &self.shared.limits;
        let client = client_of(self.peer.ip().to_canonical(), req.headers());
        let local = client.ip.is_loopback() && !client.forwarded;
        let in_flight = match limits.per_client {
            Some(limit) if !local => match self.shared.requests.try_add(client.ip, limit) {
                Some(slot) => Some(slot),
                None => {
                    self.shared.note_refusal(Refusal::ClientRequests);
                    let resp = limits.response(Refusal::ClientRequests);
                    return Box::pin(async move { Ok(hold_until_sent(resp, busy)) });
                }
            },
            _ => None,
        };
        let router = self.shared.router.clone();
        let mut req = req.map(Body::new);
        req.extensions_mut().insert(ConnectInfo(self.peer));
        Box::pin(async move {
            let resp = tower::ServiceExt::oneshot(router, req)
                .await
                .unwrap_or_else(|e| match e {});
            if resp
                .extensions()
                .get::<crate::wire::DropConnection>()
                .is_some()
            {
                return Err(Dropped);
            }
            Ok(hold_until_sent(resp, (busy, in_flight)))
        })
    }
}

/// `resp` with `guard` kept alive until hyper drops its body (after the last byte is written).
fn hold_until_sent<G: Send + 'static>(resp: Response<Body>, guard: G) -> Response<Body> {
    resp.map(|body| {
        Body::new(body.map_frame(move |frame| {
            let _ = &guard;
            frame
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(style: ErrorStyle) -> Limits {
        Limits {
            name: "scim",
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(120),
            max_connections: 2,
            per_client: Some(1),
            max_header_bytes: 16 * 1024,
            error_style: style,
            tls: None,
        }
    }

    #[test]
    fn a_refusal_is_a_complete_503_with_retry_after_and_the_listeners_error_body() {
        let raw = String::from_utf8(limits(ErrorStyle::Scim).raw_response(Refusal::Connections))
            .unwrap_or_default();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or_default();
        assert!(head.starts_with("HTTP/1.1 503 "), "{head}");
        assert!(head.contains("\r\nretry-after: 5\r\n"), "{head}");
        assert!(head.contains("\r\nconnection: close\r\n"), "{head}");
        assert!(head.contains(&format!("\r\ncontent-length: {}", body.len())));
        let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        assert_eq!(v["status"], "503");
        assert_eq!(
            v["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
        assert!(
            v["detail"]
                .as_str()
                .is_some_and(|d| d.contains("limit 2") && d.contains("SCIMLAB_MAX_CONNECTIONS")),
            "{v}"
        );
        let admin = limits(ErrorStyle::Admin).response(Refusal::ClientRequests);
        assert_eq!(admin.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(admin.headers()[header::RETRY_AFTER], "5");
        assert_eq!(admin.headers()[header::CONTENT_TYPE], "application/json");
    }

    #[test]
    fn per_client_counts_free_their_entry_at_zero() {
        let map = Arc::new(PerClient::default());
        let ip: IpAddr = "203.0.113.7".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let a = map.try_add(ip, 2);
        let b = map.try_add(ip, 2);
        assert!(a.is_some() && b.is_some());
        assert!(map.try_add(ip, 2).is_none(), "a third over a limit of 2");
        drop(a);
        let c = map.try_add(ip, 2);
        assert!(c.is_some(), "a freed slot is reusable");
        drop((b, c));
        assert!(map.0.lock().map(|m| m.is_empty()).unwrap_or(false));
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_follows_the_phase() {
        let l = limits(ErrorStyle::Scim);
        let t0 = Instant::now();
        let s = ConnState {
            phase: Mutex::new(Phase::Head { since: t0 }),
            earlier: Notify::new(),
        };
        assert_eq!(s.deadline(&l), t0 + l.header_read_timeout);
        s.set(Phase::Busy { last_io: t0 });
        tokio::time::advance(Duration::from_secs(3)).await;
        s.on_write();
        assert_eq!(s.deadline(&l), t0 + Duration::from_secs(3) + l.idle_timeout);
        s.set(Phase::Idle {
            since: Instant::now(),
        });
        tokio::time::advance(Duration::from_secs(100)).await;
        s.on_read(); // the next request's first byte: the header timeout starts now
        assert_eq!(s.deadline(&l), Instant::now() + l.header_read_timeout);
    }
}
