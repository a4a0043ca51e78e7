//! `HttpServer`: HTTP/1.1 and HTTP/2 (h2c by prior knowledge, h2 by ALPN over TLS) on hyper.
//! Each listening socket is watched by one worker loop, which hands every connection it accepts
//! to the worker loop with the fewest (so a new connection wakes one loop, not every loop);
//! the connection is served there to the end: no thread hop per request.

use std::future::Future;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::{ArcSwap, ArcSwapOption};
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Incoming};
use hyper::header::{HeaderValue, CONTENT_LENGTH, HOST, REFERER, SERVER, USER_AGENT};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use signal_hook::consts::{SIGHUP, SIGTERM};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{oneshot, watch, Notify};

use super::access_log::{AccessLogFn, AccessRecord, STATUS_DROPPED};
use super::guard::{Guard, GuardLink};
use super::message::{parse_query, status_page, Request, Response};
use super::options::ServerOptions;
use super::park::{Home, Lent};
use super::policy::{Dropped, Policy, Verdict};
use super::quiet::quiet;
use super::service::{Exchange, Service};
use super::signals::{self, SignalTarget};
use super::writer::{into_hyper, HttpResponse, ResponseBody, Writer};
use crate::error::{Error, Result};
use crate::event_loop::{Closable, EventLoop, LoopPool};
use crate::heap_trim;
use crate::knobs::Knobs;
use crate::log::{LEVEL_DEBUG, LEVEL_ERROR, LEVEL_INFO, LEVEL_WARN};
use crate::log_throttle::{self, Throttle};
use crate::tcp::{listen, proxied_client, AcceptBackoff, ConnectionSlot, NoSigpipeStream};
use crate::tls::{PeerCert, ServerTlsFiles, TlsOptions};

/// Called on a worker loop's thread: `true` before it serves, `false` after it stopped.
pub type WorkerHook = Arc<dyn Fn(&Arc<EventLoop>, bool) + Send + Sync>;

struct Config {
    worker_hook: Option<WorkerHook>,
    host: String,
    port: u16,
    https_port: u16,
    thread_num: usize,
    options: ServerOptions,
    tls: Option<Arc<rustls::ServerConfig>>,
    access_log: Option<AccessLogFn>,
    /// Where `tls` was read from, when it came from files: what a reload reads again.
    tls_files: Option<ServerTlsFiles>,
}

/// How far a server has gone towards stopping; connections and acceptors watch it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Serving,
    /// Listeners closed; open connections keep being served.
    NotAccepting,
    /// Every connection closes after its current response (HTTP/2: GOAWAY).
    Draining,
}

struct Inner {
    config: Mutex<Config>,
    /// Read by every request without a lock, so a service replaced while the server runs
    /// (libhv's services are live) answers the next request, on connections already open too.
    service: Arc<ArcSwap<Service>>,
    pool: Mutex<Option<Arc<LoopPool>>>,
    bound: Mutex<Vec<(SocketAddr, bool)>>,
    connections: AtomicUsize,
    running: AtomicBool,
    /// The TLS configuration the next handshake uses: a reload swaps it, connections already
    /// past their handshake keep theirs.
    tls: ArcSwapOption<rustls::ServerConfig>,
    phase: watch::Sender<Phase>,
    /// The knobs of the current (or last) start, environment applied: what signals consult.
    applied: Mutex<Option<Arc<ServerOptions>>>,
}

pub struct HttpServer {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Default for HttpServer {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpServer {
    pub fn new() -> Self {
        HttpServer {
            inner: Arc::new(Inner {
                config: Mutex::new(Config {
                    worker_hook: None,
                    host: "0.0.0.0".into(),
                    port: 0,
                    https_port: 0,
                    thread_num: 1,
                    options: ServerOptions::defaults(),
                    tls: None,
                    access_log: None,
                    tls_files: None,
                }),
                service: Arc::new(ArcSwap::from_pointee(Service::default())),
                pool: Mutex::new(None),
                bound: Mutex::new(Vec::new()),
                connections: AtomicUsize::new(0),
                running: AtomicBool::new(false),
                tls: ArcSwapOption::empty(),
                phase: watch::channel(Phase::Serving).0,
                applied: Mutex::new(None),
            }),
        }
    }

    /// Installs `service` for the next request, also while running. The previous one is
    /// dropped (with its callbacks' userdata) when the last request using it has finished.
    pub fn set_service(&self, service: Service) {
        let previous = self.inner.service.swap(Arc::new(service));
        drop(previous);
    }

    pub fn set_host(&self, host: &str) {
        lock(&self.inner.config).host = host.to_owned();
    }

    /// Ports to listen on; 0 disables that listener (both 0: HTTP on an ephemeral port).
    pub fn set_ports(&self, port: u16, https_port: u16) {
        let mut c = lock(&self.inner.config);
        c.port = port;
        c.https_port = https_port;
    }

    /// Worker loops (libhv's `worker_threads`; 0 means 1).
    pub fn set_thread_num(&self, n: usize) {
        lock(&self.inner.config).thread_num = n.max(1);
    }

    /// Connections per worker loop beyond which new ones are closed at accept.
    pub fn set_worker_connections(&self, n: u32) {
        lock(&self.inner.config).options.worker_connections = n;
    }

    pub fn set_keepalive_timeout(&self, ms: u32) {
        lock(&self.inner.config).options.keepalive_timeout =
            Duration::from_millis(u64::from(ms.max(1)));
    }

    /// Sets one knob of [`KNOBS`] by name; it applies from the next `start`.
    pub fn set_option(&self, name: &str, value: &str) -> Result<()> {
        lock(&self.inner.config).options.set(name, value)
    }

    /// Calls `log` for every request from the next start (None: no callback); the old one
    /// is dropped after the lock is released.
    pub fn set_access_log(&self, log: Option<AccessLogFn>) {
        let old = std::mem::replace(&mut lock(&self.inner.config).access_log, log);
        drop(old);
    }

    /// Replaces the worker hooks; the old ones are dropped after the lock is released.
    pub fn set_worker_hooks(&self, hook: WorkerHook) {
        let old = lock(&self.inner.config).worker_hook.replace(hook);
        drop(old);
    }

    /// TLS for the `https_port` listener; ALPN offers h2 and http/1.1. A configuration given
    /// this way cannot be reloaded from files (see `set_tls_files`).
    pub fn set_tls(&self, tls: Option<Arc<rustls::ServerConfig>>) {
        let tls = tls.map(with_alpn);
        let mut c = lock(&self.inner.config);
        c.tls_files = None;
        c.tls = tls.clone();
        self.inner.tls.store(tls);
    }

    /// The default certificate from PEM files, read now and again by `reload_tls`; the SNI
    /// certificates added before are kept (and read again too). `None` turns TLS off.
    pub fn set_tls_files(&self, opts: Option<TlsOptions>) -> Result<()> {
        let mut c = lock(&self.inner.config);
        let Some(opts) = opts else {
            c.tls_files = None;
            c.tls = None;
            self.inner.tls.store(None);
            return Ok(());
        };
        let mut files = c.tls_files.clone().unwrap_or_default();
        files.default = opts;
        self.inner.install_tls(&mut c, files)
    }

    /// Serves the certificate of `opts` to clients asking for `host` by SNI (`*.example.com`
    /// covers one label); others get the default. Replaces an earlier one for the same name.
    pub fn add_sni_cert(&self, host: &str, opts: TlsOptions) -> Result<()> {
        let mut c = lock(&self.inner.config);
        let files = c
            .tls_files
            .clone()
            .ok_or_else(crate::tls::no_default_certificate)?
            .with_sni(host, opts)?;
        self.inner.install_tls(&mut c, files)
    }

    /// Reads every certificate and key file again and serves them from the next handshake;
    /// open connections are not touched. On any error the old certificates stay.
    pub fn reload_tls(&self) -> Result<()> {
        self.inner.reload_tls()
    }

    /// Addresses bound by `start`, with `true` for the TLS listener.
    pub fn bound(&self) -> Vec<(SocketAddr, bool)> {
        lock(&self.inner.bound).clone()
    }

    pub fn connection_num(&self) -> usize {
        self.inner.connections.load(Ordering::Acquire)
    }

    /// Binds the listeners and starts the worker loops; returns once they accept.
    pub fn start(&self) -> Result<()> {
        if self.inner.running.swap(true, Ordering::AcqRel) {
            return Err(Error::State("the HTTP server is already running"));
        }
        let result = self.start_inner();
        if result.is_err() {
            self.inner.running.store(false, Ordering::Release);
        }
        result
    }

    fn start_inner(&self) -> Result<()> {
        let (host, port, https_port, threads, tls, hook, mut options) = {
            let c = lock(&self.inner.config);
            (
                c.host.clone(),
                c.port,
                c.https_port,
                c.thread_num,
                c.tls.clone(),
                c.worker_hook.clone(),
                c.options.clone(),
            )
        };
        options.apply_env(|var| std::env::var(var).ok())?;
        let site = Arc::new(Site {
            policy: Policy::new(&options)?,
            access_log: lock(&self.inner.config).access_log.clone(),
            hyper: hyper_builder(&options),
        });
        let options = Arc::new(options);
        *lock(&self.inner.applied) = Some(options.clone());
        let target = Arc::downgrade(&self.inner) as Weak<dyn SignalTarget>;
        if options.reload_on_sighup {
            signals::watch(SIGHUP, target.clone())?;
        }
        if options.drain_on_sigterm {
            signals::watch(SIGTERM, target)?;
        }
        let tls = {
            let mut c = lock(&self.inner.config);
            match c.tls_files.clone() {
                Some(mut files)
                    if files.refuse_unknown_sni != options.refuse_unknown_sni
                        || !options.sni_certs.is_empty() =>
                {
                    files.refuse_unknown_sni = options.refuse_unknown_sni;
                    for (host, crt, key) in &options.sni_certs {
                        let opts = TlsOptions {
                            crt_file: Some(crt.clone()),
                            key_file: Some(key.clone()),
                            ..Default::default()
                        };
                        files = files.with_sni(host, opts)?;
                    }
                    self.inner.install_tls(&mut c, files)?;
                    c.tls.clone()
                }
                None if !options.sni_certs.is_empty() => {
                    return Err(Error::TlsConfig(
                        "sni_certs needs the HTTPS listener's certificate files".into(),
                    ))
                }
                _ => tls,
            }
        };
        self.inner.tls.store(tls.clone());
        self.inner.phase.send_replace(Phase::Serving);
        let mut listeners: Vec<(StdListener, bool)> = Vec::new();
        if https_port > 0 {
            if tls.is_none() {
                return Err(Error::TlsConfig(
                    "https_port is set but no certificate was given".into(),
                ));
            }
            listeners.push((listen(&host, https_port, options.reuse_port)?, true));
        }
        if port > 0 || listeners.is_empty() {
            listeners.insert(0, (listen(&host, port, options.reuse_port)?, false));
        }
        *lock(&self.inner.bound) = listeners
            .iter()
            .filter_map(|(l, t)| l.local_addr().ok().map(|a| (a, *t)))
            .collect();
        let pool = Arc::new(LoopPool::new(threads));
        pool.start_with(true, |el| {
            let Some(hook) = hook.clone() else {
                return (None, None);
            };
            let (start_el, stop_el, stop_hook) = (el.clone(), el.clone(), hook.clone());
            (
                Some(Box::new(move || {
                    hook(&start_el, true);
                    0
                }) as crate::event_loop::PreHook),
                Some(Box::new(move || stop_hook(&stop_el, false)) as crate::event_loop::PostHook),
            )
        })?;
        let loops: Arc<[Arc<EventLoop>]> = (0..pool.thread_num())
            .filter_map(|idx| pool.get(idx).cloned())
            .collect();
        for (idx, (listener, tls)) in listeners.into_iter().enumerate() {
            // The HTTP and HTTPS listeners on different loops when there are two.
            let Some(acceptor) = loops.get(idx % loops.len().max(1)).cloned() else {
                break;
            };
            let (weak, workers) = (Arc::downgrade(&self.inner), loops.clone());
            let (options, site) = (options.clone(), site.clone());
            acceptor.queue_in_loop(Box::new(move || {
                accept_on_loop(weak, workers, listener, tls, options, site)
            }));
        }
        *lock(&self.inner.pool) = Some(pool);
        Ok(())
    }

    /// Blocks until the server is stopped (from another thread).
    pub fn wait(&self) {
        let pool = lock(&self.inner.pool).clone();
        if let Some(pool) = pool {
            pool.join();
        }
    }

    /// Closes the listeners (new connections are refused); open connections keep being served.
    pub fn stop_accept(&self) {
        self.inner.phase.send_if_modified(|p| {
            let changed = *p < Phase::NotAccepting;
            *p = (*p).max(Phase::NotAccepting);
            changed
        });
    }

    /// Stops accepting, lets every connection finish its current request (keep-alive ones
    /// close after their response, HTTP/2 ones get GOAWAY) for up to `timeout`, then `stop`s,
    /// closing the rest. Blocks: not from a handler or a worker loop.
    pub fn graceful_stop(&self, timeout: Duration) {
        self.inner.graceful_stop(timeout)
    }

    /// Stops every loop; open connections are closed (gracefully for HTTP/2) before it returns.
    pub fn stop(&self) {
        self.inner.stop()
    }
}

impl Inner {
    fn reload_tls(&self) -> Result<()> {
        let mut c = lock(&self.config);
        let files = c
            .tls_files
            .clone()
            .ok_or_else(crate::tls::nothing_to_reload)?;
        self.install_tls(&mut c, files)
    }

    fn install_tls(&self, c: &mut Config, files: ServerTlsFiles) -> Result<()> {
        let config = with_alpn(crate::tls::sni_server_config(&files)?);
        c.tls_files = Some(files);
        c.tls = Some(config.clone());
        self.tls.store(Some(config));
        Ok(())
    }

    fn graceful_stop(&self, timeout: Duration) {
        self.phase.send_replace(Phase::Draining);
        let deadline = std::time::Instant::now() + timeout;
        while self.connections.load(Ordering::Acquire) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.stop();
    }

    fn stop(&self) {
        let pool = lock(&self.pool).take();
        if let Some(pool) = pool {
            pool.stop(true);
        }
        lock(&self.bound).clear();
        self.running.store(false, Ordering::Release);
    }
}

impl SignalTarget for Inner {
    fn on_signal(self: Arc<Self>, signal: i32) -> bool {
        let Some(options) = lock(&self.applied).clone() else {
            return false;
        };
        if !self.running.load(Ordering::Acquire) {
            return false;
        }
        match signal {
            SIGHUP if options.reload_on_sighup => {
                match self.reload_tls() {
                    Ok(()) => crate::hv_log!(LEVEL_INFO, "SIGHUP: certificates reloaded"),
                    Err(e) => crate::hv_log!(LEVEL_ERROR, "SIGHUP: certificates kept: {e}"),
                }
                true
            }
            SIGTERM if options.drain_on_sigterm => {
                let timeout = options.drain_timeout;
                std::thread::Builder::new()
                    .name("hv-drain".into())
                    .spawn(move || self.graceful_stop(timeout))
                    .is_ok()
            }
            _ => false,
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What every connection of one run of the server shares: the client policy and the
/// access-log callback, fixed at start.
struct Site {
    policy: Policy,
    access_log: Option<AccessLogFn>,
    /// hyper's settings, serving every connection.
    hyper: hyper_util::server::conn::auto::Builder<TokioExecutor>,
}

fn hyper_builder(
    options: &ServerOptions,
) -> hyper_util::server::conn::auto::Builder<TokioExecutor> {
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        // The guard keeps the head and keep-alive deadlines, each from its own moment.
        .header_read_timeout(None)
        .title_case_headers(true)
        // The guard ends the stream to refuse a request; hyper still answers the ones before,
        // and reads only when it wants the next head or body (which the deadlines rely on).
        .half_close(true)
        .max_headers(options.max_headers.max(1))
        .max_buf_size(options.max_head.max(8 << 10) + (8 << 10));
    let pings = Some(options.h2_keepalive_interval).filter(|d| !d.is_zero());
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(options.h2_max_concurrent_streams)
        .max_header_list_size(options.h2_max_header_list_size)
        .max_pending_accept_reset_streams(options.h2_max_pending_accept_reset_streams)
        .max_local_error_reset_streams(options.h2_max_local_error_reset_streams)
        .keep_alive_interval(pings)
        .keep_alive_timeout(options.h2_keepalive_timeout);
    builder
}

/// How a connection reached the server, for URLs, the access log and handlers.
#[derive(Clone)]
struct Transport {
    scheme: &'static str,
    tls_version: Option<&'static str>,
    /// The verified client certificate (`verify_peer` with a CA).
    client_cert: Option<Arc<PeerCert>>,
    /// HTTP/2 negotiated by ALPN: the guard steps aside from the first byte.
    h2: bool,
}

fn tls_name(v: rustls::ProtocolVersion) -> &'static str {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3",
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2",
        _ => "TLS",
    }
}

/// Notes a connection closed at accept for its address's per-IP share, one line per interval.
fn refused(client: SocketAddr) {
    static REFUSED: Throttle = Throttle::new(log_throttle::INTERVAL);
    REFUSED.log(LEVEL_WARN, || {
        format!(
            "http: closing a connection from {}: per_ip_connections reached",
            client.ip()
        )
    });
}

fn with_alpn(c: Arc<rustls::ServerConfig>) -> Arc<rustls::ServerConfig> {
    let mut c = (*c).clone();
    c.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Arc::new(c)
}

/// Why a served connection stops before its client is done.
enum Stop {
    /// The stopping loop closes it.
    Close,
    /// The server drains: it finishes the request in progress.
    Drain,
}

/// A connection the stopping loop must close, or a draining server asks to finish.
struct ConnCloser {
    close: Notify,
    phase: watch::Receiver<Phase>,
}

impl ConnCloser {
    async fn draining(&self) {
        let mut phase = self.phase.clone();
        let _ = phase.wait_for(|p| *p >= Phase::Draining).await;
    }
}

impl Closable for ConnCloser {
    fn request_close(&self) {
        self.close.notify_one();
    }
}

/// The worker loop with the fewest connections (the first of those tied).
fn least_loaded(loops: &[Arc<EventLoop>]) -> Option<&Arc<EventLoop>> {
    loops
        .iter()
        .min_by_key(|el| el.connection_num.load(Ordering::Acquire))
}

/// Accepts on `listener` for as long as the server serves, on the calling loop, and hands each
/// connection to one of `workers`.
fn accept_on_loop(
    inner: Weak<Inner>,
    workers: Arc<[Arc<EventLoop>]>,
    listener: StdListener,
    tls: bool,
    options: Arc<ServerOptions>,
    site: Arc<Site>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let proxied = if tls {
        options.proxy_protocol_https
    } else {
        options.proxy_protocol_http
    };
    let Some(mut phase) = inner.upgrade().map(|i| i.phase.subscribe()) else {
        return;
    };
    tokio::spawn(async move {
        let mut backoff = AcceptBackoff::new("http accept");
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                // Dropping the listener closes the socket.
                _ = phase.wait_for(|p| *p >= Phase::NotAccepting) => return,
            };
            let Some(inner) = inner.upgrade() else { return };
            let (sock, peer) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    drop(inner);
                    if let Some(pause) = backoff.failed(&e) {
                        tokio::time::sleep(pause).await;
                    }
                    continue;
                }
            };
            backoff.succeeded();
            let service = inner.service.clone();
            // When the least loaded worker is full, every worker is.
            let Some(el) = least_loaded(&workers) else {
                return;
            };
            if el.connection_num.load(Ordering::Acquire) >= options.worker_connections {
                continue;
            }
            // TLS turned off while running: the HTTPS port must not start speaking plain HTTP.
            let tls = match (tls, inner.tls.load_full()) {
                (false, _) => None,
                (true, Some(config)) => Some(config),
                (true, None) => continue,
            };
            // Behind the PROXY protocol the client is known only once its header is read.
            let slot = if proxied {
                None
            } else {
                let Some(slot) = site.policy.admit_connection(peer.ip()) else {
                    refused(peer);
                    continue;
                };
                Some(slot)
            };
            el.connection_num.fetch_add(1, Ordering::AcqRel);
            inner.connections.fetch_add(1, Ordering::AcqRel);
            let closer = Arc::new(ConnCloser {
                close: Notify::new(),
                phase: inner.phase.subscribe(),
            });
            let weak_closer: Weak<dyn Closable> = Arc::downgrade(&closer) as Weak<dyn Closable>;
            let (el2, options, site) = (el.clone(), options.clone(), site.clone());
            // Out of this loop's reactor, into the worker's (in its task, on its thread).
            let sock = sock.into_std();
            el.spawn_tracked(weak_closer, async move {
                if let Ok(sock) = sock.and_then(TcpStream::from_std) {
                    serve_connection(sock, peer, slot, tls, service, options, site, closer).await;
                }
                el2.connection_num.fetch_sub(1, Ordering::AcqRel);
                inner.connections.fetch_sub(1, Ordering::AcqRel);
            });
        }
    });
}

/// `slot` is the connection's place under the per-IP cap; `None` when the listener speaks the
/// PROXY protocol, so the cap applies to the client its header names.
#[allow(clippy::too_many_arguments)]
async fn serve_connection(
    mut sock: TcpStream,
    peer: SocketAddr,
    slot: Option<ConnectionSlot>,
    tls: Option<Arc<rustls::ServerConfig>>,
    service: Arc<ArcSwap<Service>>,
    options: Arc<ServerOptions>,
    site: Arc<Site>,
    closer: Arc<ConnCloser>,
) {
    // Each phase is boxed: the connection's task then holds only the state of the phase it is
    // in (a served connection no PROXY header or TLS handshake state).
    let (peer, _slot) = match slot {
        Some(slot) => (peer, slot),
        None => {
            let client = Box::pin(async {
                tokio::select! {
                    c = proxied_client(&mut sock, peer, options.handshake_timeout, "http") => c,
                    _ = closer.close.notified() => None,
                }
            })
            .await;
            let Some(client) = client else { return };
            let Some(slot) = site.policy.admit_connection(client.ip()) else {
                refused(client);
                return;
            };
            (client, slot)
        }
    };
    let _ = sock.set_nodelay(true);
    let sock = NoSigpipeStream::new(sock);
    match tls {
        None => {
            let transport = Transport {
                scheme: "http",
                tls_version: None,
                client_cert: None,
                h2: false,
            };
            Box::pin(serve_io(
                sock, peer, transport, service, options, site, closer,
            ))
            .await
        }
        Some(config) => {
            let accepted = Box::pin(async {
                tokio::select! {
                    r = tokio::time::timeout(options.handshake_timeout, handshake(sock, config)) => {
                        r.ok().flatten()
                    }
                    _ = closer.close.notified() => None,
                }
            });
            // The stream goes into the boxed serve_io before anything is awaited again, so the
            // task keeps no room for it.
            let serving = match accepted.await {
                Some(stream) => {
                    let transport = tls_transport(&stream);
                    Box::pin(serve_io(
                        stream, peer, transport, service, options, site, closer,
                    ))
                }
                None => return,
            };
            serving.await
        }
    }
}

fn tls_transport(stream: &tokio_rustls::server::TlsStream<NoSigpipeStream>) -> Transport {
    let tls = stream.get_ref().1;
    Transport {
        scheme: "https",
        tls_version: tls.protocol_version().map(tls_name),
        client_cert: tls
            .peer_certificates()
            .and_then(|chain| chain.first())
            .map(|der| Arc::new(PeerCert::new(der))),
        h2: tls.alpn_protocol() == Some(b"h2"),
    }
}

/// A TLS record holding the fatal `unrecognized_name` alert (RFC 6066 §3), in the clear as
/// alerts before the ServerHello are.
const UNRECOGNIZED_NAME_ALERT: [u8; 7] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70];

/// The server side of a TLS handshake. A client whose SNI name the certificate resolver
/// refuses (`refuse_unknown_sni`) gets `unrecognized_name`, which rustls itself cannot send.
async fn handshake(
    sock: NoSigpipeStream,
    config: Arc<rustls::ServerConfig>,
) -> Option<tokio_rustls::server::TlsStream<NoSigpipeStream>> {
    let acceptor = rustls::server::Acceptor::default();
    let start = tokio_rustls::LazyConfigAcceptor::new(acceptor, sock)
        .await
        .ok()?;
    let refused = {
        let hello = start.client_hello();
        hello.server_name().is_some() && config.cert_resolver.resolve(hello).is_none()
    };
    if refused {
        let mut io = start.io;
        let _ = io.write_all(&UNRECOGNIZED_NAME_ALERT).await;
        let _ = io.shutdown().await;
        return None;
    }
    start.into_stream(config).await.ok()
}

/// Serves one connection through the guard (`guard.rs`), which judges HTTP/1 framing, keeps
/// the deadlines and steps aside for HTTP/2 (`transport.h2`: negotiated by ALPN). Not an
/// `async fn`, which would keep its arguments, `io` among them, for the connection's life.
fn serve_io<I>(
    io: I,
    peer: SocketAddr,
    transport: Transport,
    service: Arc<ArcSwap<Service>>,
    options: Arc<ServerOptions>,
    site: Arc<Site>,
    closer: Arc<ConnCloser>,
) -> impl Future<Output = ()> + Send
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let max_body = options.max_body;
    let link = Arc::new(GuardLink::default());
    let mut guard = Box::new(Guard::new(io, options, link.clone(), transport.h2));
    let http = site.clone();
    let svc = hyper::service::service_fn(move |req| {
        dispatch(
            service.load_full(),
            &site,
            req,
            peer,
            transport.clone(),
            max_body,
            &link,
        )
    });
    async move {
        let home: Home<I> = Arc::new(Mutex::new(None));
        loop {
            if guard.idle() {
                tokio::select! {
                    woke = std::future::poll_fn(|cx| guard.poll_wake(cx)) => {
                        if !woke {
                            tokio::select! {
                                _ = guard.shutdown() => {}
                                _ = closer.close.notified() => {}
                            }
                            return;
                        }
                    }
                    _ = closer.close.notified() => return,
                    _ = closer.draining() => return,
                }
            }
            let io = TokioIo::new(Lent::new(guard, home.clone()));
            // Boxed: a parked connection holds none of hyper's state.
            let mut conn = Box::pin(http.hyper.serve_connection_with_upgrades(io, svc.clone()));
            // Polled only when one of them woke: the task wakes for every request.
            let stop = quiet(async {
                tokio::select! {
                    biased;
                    _ = closer.close.notified() => Stop::Close,
                    _ = closer.draining() => Stop::Drain,
                }
            });
            tokio::select! {
                biased;
                _ = conn.as_mut() => {}
                stop = stop => {
                    conn.as_mut().graceful_shutdown();
                    match stop {
                        Stop::Close => {
                            let _ = tokio::time::timeout(Duration::from_secs(1), conn).await;
                        }
                        // The drain's deadline is the caller's: its `stop` ends what is still
                        // open.
                        Stop::Drain => {
                            tokio::select! {
                                _ = conn.as_mut() => {}
                                _ = closer.close.notified() => {}
                            }
                        }
                    }
                    return;
                }
            }
            drop(conn);
            let Some(parked) = home.lock().unwrap_or_else(|p| p.into_inner()).take() else {
                return;
            };
            guard = parked;
            heap_trim::schedule();
        }
    }
}

/// CONNECT through the forward proxy: for a trusted `host:port`, answer 200 and then copy bytes
/// both ways between the client and the target until either side closes.
async fn tunnel(service: &Service, parts: &mut hyper::http::request::Parts) -> HttpResponse {
    let proxies = &service.proxies;
    let Some(authority) = parts.uri.authority().cloned() else {
        return simple(400);
    };
    if !(proxies.forward_enabled && proxies.trusts(authority.host())) {
        return simple(403);
    }
    let connect = tokio::time::timeout(
        proxies.connect_timeout,
        TcpStream::connect((authority.host(), authority.port_u16().unwrap_or(443))),
    );
    let mut upstream = match connect.await {
        Ok(Ok(s)) => NoSigpipeStream::new(s),
        Ok(Err(_)) => return simple(502),
        Err(_) => return simple(504),
    };
    let Some(on_upgrade) = parts.extensions.remove::<hyper::upgrade::OnUpgrade>() else {
        return simple(400);
    };
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            let mut client = TokioIo::new(upgraded);
            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        }
    });
    finish(Response::default())
}

/// Forwards to `url`; an unreachable or failing upstream answers 502, a slow one 504.
async fn proxied(
    service: &Service,
    url: &str,
    method: hyper::Method,
    headers: hyper::HeaderMap,
    body: Bytes,
    peer: SocketAddr,
) -> HttpResponse {
    match super::proxy::forward(&service.proxies, url, method, headers, body, peer).await {
        Ok(resp) => {
            let (mut parts, body) = resp.into_parts();
            parts.headers.remove(hyper::header::CONNECTION);
            parts.headers.remove(hyper::header::TRANSFER_ENCODING);
            hyper::Response::from_parts(parts, ResponseBody::Upstream(body))
        }
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::TimedOut => {
            simple(504)
        }
        Err(e) => {
            crate::hv_log!(LEVEL_DEBUG, "proxy to {url}: {e}");
            simple(502)
        }
    }
}

fn simple(status: u16) -> HttpResponse {
    let mut resp = Response::default();
    resp.status = status;
    resp.body = status_page(status).into_bytes();
    let _ = resp.set_header("content-type", b"text/html");
    finish(resp)
}

fn finish(mut resp: Response) -> HttpResponse {
    resp.headers
        .entry(SERVER)
        .or_insert(HeaderValue::from_static("libhv"));
    let body = match resp.file.take() {
        Some(file) => ResponseBody::file(file),
        None => ResponseBody::Full(Some(Bytes::from(std::mem::take(&mut resp.body)))),
    };
    into_hyper(resp, body)
}

/// The request's `Host` (HTTP/1.1) or authority (HTTP/2).
fn request_host(parts: &hyper::http::request::Parts) -> Option<&str> {
    parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
}

/// One request's answer. Boxed: hyper keeps room for one request's future for the
/// connection's lifetime, so an idle connection holds a pointer, not a whole answer. The box
/// is about 1 KiB (`-Zprint-type-sizes`), which glibc's per-thread cache still serves (up to
/// 1032 bytes); above that each request paid for the allocator's slower path.
type Answer =
    std::pin::Pin<Box<dyn Future<Output = std::result::Result<HttpResponse, Dropped>> + Send>>;

/// Answers one request, and records it when the server has an access-log callback.
fn dispatch(
    service: Arc<Service>,
    site: &Site,
    req: hyper::Request<Incoming>,
    peer: SocketAddr,
    transport: Transport,
    max_body: u64,
    link: &Arc<GuardLink>,
) -> Answer {
    let peer = site.policy.client_addr(peer, req.headers());
    let logged = site
        .access_log
        .clone()
        .map(|log| Logged::of(log, &req, &transport));
    let answer = respond(
        service,
        &site.policy,
        req,
        peer,
        transport,
        max_body,
        link.clone(),
    );
    let Some(logged) = logged else {
        return Box::pin(answer);
    };
    Box::pin(async move {
        let result = answer.await;
        logged.write(peer, &result);
        result
    })
}

/// What the access log needs from a request, taken before the request is handed on.
struct Logged {
    log: AccessLogFn,
    started: Instant,
    time: SystemTime,
    method: hyper::Method,
    version: hyper::Version,
    target: String,
    referer: Option<String>,
    user_agent: Option<String>,
    tls_version: Option<&'static str>,
}

impl Logged {
    fn of(log: AccessLogFn, req: &hyper::Request<Incoming>, transport: &Transport) -> Self {
        let header = |name| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            log,
            started: Instant::now(),
            time: SystemTime::now(),
            method: req.method().clone(),
            version: req.version(),
            target: req
                .uri()
                .path_and_query()
                .map_or_else(|| req.uri().to_string(), |p| p.to_string()),
            referer: header(REFERER),
            user_agent: header(USER_AGENT),
            tls_version: transport.tls_version,
        }
    }

    fn write(&self, client: SocketAddr, result: &std::result::Result<HttpResponse, Dropped>) {
        let (status, bytes) = match result {
            Ok(resp) => (resp.status().as_u16(), body_len(resp)),
            Err(Dropped) => (STATUS_DROPPED, Some(0)),
        };
        (self.log)(&AccessRecord {
            client,
            method: self.method.as_str(),
            target: &self.target,
            version: self.version,
            status,
            bytes,
            referer: self.referer.as_deref(),
            user_agent: self.user_agent.as_deref(),
            duration: self.started.elapsed(),
            tls_version: self.tls_version,
            time: self.time,
        });
    }
}

/// The body's length when it is known before it is sent.
fn body_len(resp: &HttpResponse) -> Option<u64> {
    if let ResponseBody::Full(body) = resp.body() {
        return Some(body.as_ref().map_or(0, |b| b.len() as u64));
    }
    resp.headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok())
}

/// `peer` is the client as the policy resolved it. A plain fn that takes the request apart
/// and asks the policy before the future is made: the future then holds the parts once, not
/// the request beside them.
fn respond(
    service: Arc<Service>,
    policy: &Policy,
    req: hyper::Request<Incoming>,
    peer: SocketAddr,
    transport: Transport,
    max_body: u64,
    link: Arc<GuardLink>,
) -> impl Future<Output = std::result::Result<HttpResponse, Dropped>> + Send + 'static {
    let Transport {
        scheme,
        client_cert,
        ..
    } = transport;
    let (mut parts, body) = req.into_parts();
    let verdict = policy.check_request(peer.ip(), request_host(&parts), parts.uri.path());
    async move {
        let _busy = link.busy();
        let mut connect = (parts.method == hyper::Method::CONNECT).then(|| link.connect_decision());
        match verdict {
            Verdict::Pass => {}
            Verdict::Answer(status) => return Ok(simple(status)),
            Verdict::Drop => return Err(Dropped),
        }
        if let Some(decision) = connect.as_mut() {
            // Boxed: a rare path with a large future would otherwise grow every request's future
            // (moved into place once per request).
            let resp = Box::pin(tunnel(&service, &mut parts)).await;
            decision.opened = resp.status() == hyper::StatusCode::OK;
            return Ok(resp);
        }
        // A declared length beyond the limit is refused before any of it is read (on HTTP/1 the
        // guard already did; this is HTTP/2's content-length).
        if body.size_hint().lower() > max_body {
            return Ok(simple(413));
        }
        let limit = usize::try_from(max_body).unwrap_or(usize::MAX);
        let body = match Limited::new(body, limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) => {
                let status = if e
                    .downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    413
                } else {
                    link.refused().unwrap_or(400)
                };
                // A 413 here is a body that reached the limit (held up to it) or a chunk that would
                // have passed it (a needless trim, at most one a second).
                if status == 413 && limit >= heap_trim::LARGE_BODY {
                    heap_trim::schedule();
                }
                return Ok(simple(status));
            }
        };
        if body.len() >= heap_trim::LARGE_BODY {
            heap_trim::schedule();
        }
        // An absolute-form target is a forward-proxy request; a reverse-proxy location takes others.
        let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let proxy_url = if parts.version < hyper::Version::HTTP_2 && parts.uri.scheme().is_some() {
            let host = parts.uri.host().unwrap_or("");
            if !(service.proxies.forward_enabled && service.proxies.trusts(host)) {
                return Ok(simple(403));
            }
            Some(parts.uri.to_string())
        } else {
            // A CR, LF or NUL hidden in the path (`%0d%0a`) is how header injection starts.
            let raw_path = target.split('?').next().unwrap_or("");
            if percent_encoding::percent_decode_str(raw_path)
                .any(|b| matches!(b, b'\r' | b'\n' | 0))
            {
                return Ok(simple(400));
            }
            service.proxies.reverse_url(target)
        };
        if let Some(url) = proxy_url {
            // Boxed, as the tunnel: a rare path with a large future would otherwise grow every
            // request's future.
            let forward = proxied(&service, &url, parts.method, parts.headers, body, peer);
            return Ok(Box::pin(forward).await);
        }
        let host = request_host(&parts).unwrap_or("127.0.0.1");
        let mut url = String::with_capacity(scheme.len() + 3 + host.len() + target.len());
        url.push_str(scheme);
        url.push_str("://");
        url.push_str(host);
        let target_start = url.len();
        url.push_str(target);
        let params = parts.uri.query().map(parse_query).unwrap_or_default();
        let (tx, rx) = oneshot::channel();
        let writer = Writer::new(tx);
        let mut ex = Exchange {
            req: Request {
                method: parts.method,
                version: parts.version,
                url,
                target_start,
                scheme,
                headers: parts.headers,
                body,
                client_addr: peer,
                params,
                attachment: None,
                client_cert,
            },
            resp: Response::default(),
            writer: writer.clone(),
        };
        // libhv's access-log line, written after the answer. The request is still there
        // after a sync handler; an async one answers later, from its own copy of the request.
        let log = service.access_log && crate::log::enabled(crate::log::LEVEL_INFO);
        if service.handle(&mut ex) {
            writer.abandon();
            let Exchange { req, resp, .. } = ex;
            let resp = finish(resp);
            if log {
                access_line(peer, &req.method, req.target(), resp.status());
            }
            return Ok(resp);
        }
        let logged = log.then(|| (ex.req.method.clone(), ex.req.target().to_owned()));
        drop(ex);
        drop(writer);
        let resp = match rx.await {
            Ok(mut resp) => {
                resp.headers_mut()
                    .entry(SERVER)
                    .or_insert(HeaderValue::from_static("libhv"));
                resp
            }
            Err(_) => simple(500),
        };
        if let Some((method, target)) = logged {
            access_line(peer, &method, &target, resp.status());
        }
        Ok(resp)
    }
}

/// libhv's access-log line: `[client][METHOD target]=>[status reason]`.
fn access_line(peer: SocketAddr, method: &hyper::Method, target: &str, status: hyper::StatusCode) {
    crate::log::write_with(crate::log::LEVEL_INFO, |out| {
        out.push(b'[');
        crate::addr_text::push_socket_addr(out, peer);
        out.extend_from_slice(b"][");
        out.extend_from_slice(method.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(target.as_bytes());
        out.extend_from_slice(b"]=>[");
        out.extend_from_slice(itoa::Buffer::new().format(status.as_u16()).as_bytes());
        out.push(b' ');
        out.extend_from_slice(status.canonical_reason().unwrap_or("<unknown>").as_bytes());
        out.push(b']');
    });
}
