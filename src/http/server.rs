//! `HttpServer`: HTTP/1.1 and HTTP/2 (h2c by prior knowledge, h2 by ALPN over TLS) on hyper,
//! every worker loop accepting on the shared listening sockets (as libhv's loops do), each
//! connection served on the loop that accepted it: no thread hop per request.

use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use arc_swap::ArcSwap;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Incoming};
use hyper::header::{HeaderValue, HOST, SERVER};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::{oneshot, Notify};

use super::guard::{Guard, GuardLink};
use super::message::{parse_query, status_page, Request, Response};
use super::options::ServerOptions;
use super::service::{Exchange, Service};
use super::writer::{into_hyper, HttpResponse, ResponseBody, Writer};
use crate::error::{Error, Result};
use crate::event_loop::{Closable, EventLoop, LoopPool};
use crate::log::LEVEL_DEBUG;
use crate::tcp::{listen, NoSigpipeStream};

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
                }),
                service: Arc::new(ArcSwap::from_pointee(Service::default())),
                pool: Mutex::new(None),
                bound: Mutex::new(Vec::new()),
                connections: AtomicUsize::new(0),
                running: AtomicBool::new(false),
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

    /// Replaces the worker hooks; the old ones are dropped after the lock is released.
    pub fn set_worker_hooks(&self, hook: WorkerHook) {
        let old = lock(&self.inner.config).worker_hook.replace(hook);
        drop(old);
    }

    /// TLS for the `https_port` listener; ALPN offers h2 and http/1.1.
    pub fn set_tls(&self, tls: Option<Arc<rustls::ServerConfig>>) {
        lock(&self.inner.config).tls = tls.map(|c| {
            let mut c = (*c).clone();
            c.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Arc::new(c)
        });
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
        let options = Arc::new(options);
        let mut listeners: Vec<(StdListener, Option<Arc<rustls::ServerConfig>>)> = Vec::new();
        if https_port > 0 {
            let tls = tls.ok_or_else(|| {
                Error::TlsConfig("https_port is set but no certificate was given".into())
            })?;
            listeners.push((listen(&host, https_port)?, Some(tls)));
        }
        if port > 0 || listeners.is_empty() {
            listeners.insert(0, (listen(&host, port)?, None));
        }
        *lock(&self.inner.bound) = listeners
            .iter()
            .filter_map(|(l, t)| l.local_addr().ok().map(|a| (a, t.is_some())))
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
        for idx in 0..pool.thread_num() {
            let el = pool.get(idx).expect("index in range").clone();
            for (listener, tls) in &listeners {
                let listener = listener
                    .try_clone()
                    .map_err(|e| Error::io("dup listener", e))?;
                let (weak, tls, el2) = (Arc::downgrade(&self.inner), tls.clone(), el.clone());
                let options = options.clone();
                el.queue_in_loop(Box::new(move || {
                    accept_on_loop(weak, el2, listener, tls, options)
                }));
            }
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

    /// Stops every loop; open connections are closed (gracefully for HTTP/2) before it returns.
    pub fn stop(&self) {
        let pool = lock(&self.inner.pool).take();
        if let Some(pool) = pool {
            pool.stop(true);
        }
        lock(&self.inner.bound).clear();
        self.inner.running.store(false, Ordering::Release);
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A connection the stopping loop must close.
struct ConnCloser(Notify);

impl Closable for ConnCloser {
    fn request_close(&self) {
        self.0.notify_one();
    }
}

fn accept_on_loop(
    inner: Weak<Inner>,
    el: Arc<EventLoop>,
    listener: StdListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    options: Arc<ServerOptions>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    tokio::spawn(async move {
        loop {
            let accepted = listener.accept().await;
            let Some(inner) = inner.upgrade() else { return };
            let (sock, peer) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    crate::hv_log!(LEVEL_DEBUG, "http accept: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let service = inner.service.clone();
            if el.connection_num.load(Ordering::Acquire) >= options.worker_connections {
                continue;
            }
            el.connection_num.fetch_add(1, Ordering::AcqRel);
            inner.connections.fetch_add(1, Ordering::AcqRel);
            let closer = Arc::new(ConnCloser(Notify::new()));
            let weak_closer: Weak<dyn Closable> = Arc::downgrade(&closer) as Weak<dyn Closable>;
            let (tls, el2, options) = (tls.clone(), el.clone(), options.clone());
            el.spawn_tracked(weak_closer, async move {
                serve_connection(sock, peer, tls, service, options, closer).await;
                el2.connection_num.fetch_sub(1, Ordering::AcqRel);
                inner.connections.fetch_sub(1, Ordering::AcqRel);
            });
        }
    });
}

async fn serve_connection(
    sock: TcpStream,
    peer: SocketAddr,
    tls: Option<Arc<rustls::ServerConfig>>,
    service: Arc<ArcSwap<Service>>,
    options: Arc<ServerOptions>,
    closer: Arc<ConnCloser>,
) {
    let _ = sock.set_nodelay(true);
    let sock = NoSigpipeStream::new(sock);
    match tls {
        None => serve_io(sock, peer, "http", false, service, options, closer).await,
        Some(config) => {
            let accept = tokio_rustls::TlsAcceptor::from(config).accept(sock);
            let stream = tokio::select! {
                r = tokio::time::timeout(options.handshake_timeout, accept) => match r {
                    Ok(Ok(s)) => s,
                    _ => return,
                },
                _ = closer.0.notified() => return,
            };
            let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
            serve_io(stream, peer, "https", h2, service, options, closer).await
        }
    }
}

/// Serves one connection through the guard (`guard.rs`), which judges HTTP/1 framing, keeps
/// the deadlines and steps aside for HTTP/2 (`h2`: negotiated by ALPN).
async fn serve_io<I>(
    io: I,
    peer: SocketAddr,
    scheme: &'static str,
    h2: bool,
    service: Arc<ArcSwap<Service>>,
    options: Arc<ServerOptions>,
    closer: Arc<ConnCloser>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let max_body = options.max_body;
    let link = Arc::new(GuardLink::default());
    let io = Guard::new(io, options.clone(), link.clone(), h2);
    let svc = hyper::service::service_fn(move |req| {
        dispatch(
            service.load_full(),
            req,
            peer,
            scheme,
            max_body,
            link.clone(),
        )
    });
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
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = closer.0.notified() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(1), conn).await;
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

async fn dispatch(
    service: Arc<Service>,
    req: hyper::Request<Incoming>,
    peer: SocketAddr,
    scheme: &'static str,
    max_body: u64,
    link: Arc<GuardLink>,
) -> std::result::Result<HttpResponse, Infallible> {
    let _busy = link.busy();
    let (mut parts, body) = req.into_parts();
    if parts.method == hyper::Method::CONNECT {
        let resp = tunnel(&service, &mut parts).await;
        link.decide_tunnel(resp.status() == hyper::StatusCode::OK);
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
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return Ok(simple(413))
        }
        Err(_) => return Ok(simple(link.refused().unwrap_or(400))),
    };
    // An absolute-form target is a forward-proxy request.
    if parts.version < hyper::Version::HTTP_2 && parts.uri.scheme().is_some() {
        let host = parts.uri.host().unwrap_or("");
        if !(service.proxies.forward_enabled && service.proxies.trusts(host)) {
            return Ok(simple(403));
        }
        let url = parts.uri.to_string();
        return Ok(proxied(&service, &url, parts.method, parts.headers, body, peer).await);
    }
    let target = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    // A CR, LF or NUL hidden in the path (`%0d%0a`) is how header injection starts: refuse it.
    let raw_path = target.split('?').next().unwrap_or("");
    if percent_encoding::percent_decode_str(raw_path).any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        return Ok(simple(400));
    }
    if let Some(url) = service.proxies.reverse_url(&target) {
        return Ok(proxied(&service, &url, parts.method, parts.headers, body, peer).await);
    }
    let host = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "127.0.0.1".into());
    let params = parts.uri.query().map(parse_query).unwrap_or_default();
    let (tx, rx) = oneshot::channel();
    let writer = Writer::new(tx);
    let mut ex = Exchange {
        req: Request {
            method: parts.method,
            version: parts.version,
            url: format!("{scheme}://{host}{target}"),
            target,
            scheme,
            headers: parts.headers,
            body,
            client_addr: peer,
            params,
            attachment: None,
        },
        resp: Response::default(),
        writer: writer.clone(),
    };
    let logged = service
        .access_log
        .then(|| format!("[{peer}][{} {}]", ex.req.method, ex.req.target));
    let resp = if service.handle(&mut ex) {
        writer.abandon();
        finish(ex.resp)
    } else {
        drop(ex);
        drop(writer);
        match rx.await {
            Ok(mut resp) => {
                resp.headers_mut()
                    .entry(SERVER)
                    .or_insert(HeaderValue::from_static("libhv"));
                resp
            }
            Err(_) => simple(500),
        }
    };
    if let Some(line) = logged {
        let status = resp.status();
        crate::hv_log!(
            crate::log::LEVEL_INFO,
            "{line}=>[{} {}]",
            status.as_u16(),
            status.canonical_reason().unwrap_or("<unknown>")
        );
    }
    Ok(resp)
}
