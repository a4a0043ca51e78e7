//! `TcpServer`: an acceptor loop handing connections to worker loops.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use socket2::{Domain, Socket, Type};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::task::AbortHandle;

use super::accept_backoff::AcceptBackoff;
use super::channel::{Channel, Driver, Handlers};
use super::nosigpipe::NoSigpipeStream;
use super::options::TcpOptions;
use super::per_ip::{ConnectionSlot, PerIpConnections};
use super::proxy_header::proxied_client;
use super::stream::Stream;
use super::unpack::UnpackSetting;
use crate::error::{Error, Result};
use crate::event_loop::{Closable, EventLoop, LoadBalance, LoopPool, LoopThread};
use crate::knobs::Knobs;
use crate::log::{LEVEL_DEBUG, LEVEL_WARN};
use crate::log_throttle::{self, Throttle};
use crate::tls::{ServerTlsFiles, TlsOptions};

struct Config {
    host: String,
    port: u16,
    thread_num: usize,
    load_balance: LoadBalance,
    max_connections: usize,
    tls: Option<Arc<rustls::ServerConfig>>,
    /// Where `tls` was read from, when it came from files: what a reload reads again.
    tls_files: Option<ServerTlsFiles>,
    unpack: Option<UnpackSetting>,
    handlers: Arc<Handlers>,
    /// The knobs; their `HV_TCP_` variables are applied at start.
    options: TcpOptions,
    /// The running server's per-IP table, made at start.
    per_ip: Arc<PerIpConnections>,
    /// Callbacks replaced by `set_handlers` that connections accepted earlier may still use:
    /// dropping the server disarms them too.
    retired: Vec<Weak<Handlers>>,
}

struct Inner {
    config: Mutex<Config>,
    listener: Mutex<Option<StdListener>>,
    listen_fd: std::sync::atomic::AtomicI32,
    local_addr: Mutex<Option<SocketAddr>>,
    accept_task: Mutex<Option<AbortHandle>>,
    acceptor: Arc<EventLoop>,
    acceptor_thread: Option<LoopThread>,
    workers: Mutex<Option<Arc<LoopPool>>>,
    channels: Mutex<HashMap<u32, Arc<Channel>>>,
    /// `channels.len()`, readable without the lock.
    registered: AtomicUsize,
    /// Accepted connections not yet closed, counted from accept (before any TLS handshake).
    live: AtomicUsize,
    stopped: AtomicBool,
}

pub struct TcpServer {
    inner: Arc<Inner>,
}

/// A connection's place under the per-IP cap: taken at accept, or once the PROXY header
/// has named the client.
enum Admission {
    Admitted(ConnectionSlot),
    AfterProxyHeader(Arc<PerIpConnections>),
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Binds a listening socket the way libhv's `Listen()` does: SO_REUSEADDR, dual-stack on IPv6.
/// With `reuse_port` (SO_REUSEPORT) several processes can listen on one port, the kernel
/// spreading new connections among them.
pub(crate) fn listen(host: &str, port: u16, reuse_port: bool) -> Result<StdListener> {
    let addr = super::client::resolve(host, port)?;
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM.cloexec(), None)
        .map_err(|e| Error::io("socket", e))?;
    socket
        .set_reuse_address(true)
        .map_err(|e| Error::io("SO_REUSEADDR", e))?;
    if reuse_port {
        socket
            .set_reuse_port(true)
            .map_err(|e| Error::io("SO_REUSEPORT", e))?;
    }
    if addr.is_ipv6() {
        let _ = socket.set_only_v6(false);
    }
    socket
        .bind(&addr.into())
        .map_err(|e| Error::io(format!("bind {addr}"), e))?;
    socket
        .listen(libc::SOMAXCONN)
        .map_err(|e| Error::io(format!("listen {addr}"), e))?;
    socket
        .set_nonblocking(true)
        .map_err(|e| Error::io("O_NONBLOCK", e))?;
    Ok(socket.into())
}

fn install_tls(c: &mut Config, files: ServerTlsFiles) -> Result<()> {
    c.tls = Some(crate::tls::sni_server_config(&files)?);
    c.tls_files = Some(files);
    Ok(())
}

impl TcpServer {
    /// A server whose acceptor runs on `event_loop`, or on a loop thread of its own.
    pub fn new(event_loop: Option<Arc<EventLoop>>) -> Self {
        let (acceptor, acceptor_thread) = match event_loop {
            Some(el) => (el, None),
            None => {
                let t = LoopThread::new(None);
                (t.event_loop().clone(), Some(t))
            }
        };
        TcpServer {
            inner: Arc::new(Inner {
                config: Mutex::new(Config {
                    host: "0.0.0.0".into(),
                    port: 0,
                    thread_num: LoopPool::default_thread_num(),
                    load_balance: LoadBalance::RoundRobin,
                    max_connections: u32::MAX as usize,
                    tls: None,
                    tls_files: None,
                    unpack: None,
                    handlers: Arc::new(Handlers::default()),
                    options: TcpOptions::defaults(),
                    per_ip: Arc::new(PerIpConnections::new(0)),
                    retired: Vec::new(),
                }),
                listener: Mutex::new(None),
                listen_fd: std::sync::atomic::AtomicI32::new(-1),
                local_addr: Mutex::new(None),
                accept_task: Mutex::new(None),
                acceptor,
                acceptor_thread,
                workers: Mutex::new(None),
                channels: Mutex::new(HashMap::new()),
                registered: AtomicUsize::new(0),
                live: AtomicUsize::new(0),
                stopped: AtomicBool::new(false),
            }),
        }
    }

    /// Binds and listens now; returns the listening fd.
    pub fn createsocket(&self, port: u16, host: &str) -> Result<i32> {
        let listener = listen(host, port, false)?;
        let fd = listener.as_raw_fd();
        *lock(&self.inner.local_addr) = listener.local_addr().ok();
        {
            let mut c = lock(&self.inner.config);
            c.host = host.to_owned();
            c.port = port;
        }
        *lock(&self.inner.listener) = Some(listener);
        self.inner.listen_fd.store(fd, Ordering::Release);
        Ok(fd)
    }

    pub fn listen_fd(&self) -> i32 {
        self.inner.listen_fd.load(Ordering::Acquire)
    }

    /// The bound address (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        *lock(&self.inner.local_addr)
    }

    pub fn acceptor_loop(&self) -> &Arc<EventLoop> {
        &self.inner.acceptor
    }

    pub fn set_thread_num(&self, n: usize) {
        lock(&self.inner.config).thread_num = n;
    }

    pub fn set_load_balance(&self, lb: LoadBalance) {
        lock(&self.inner.config).load_balance = lb;
    }

    pub fn set_max_connections(&self, n: usize) {
        lock(&self.inner.config).max_connections = n;
    }

    pub fn set_tls(&self, tls: Option<Arc<rustls::ServerConfig>>) {
        let mut c = lock(&self.inner.config);
        c.tls = tls;
        c.tls_files = None;
    }

    /// The default certificate from PEM files, read now and again by `reload_tls`; the SNI
    /// certificates added before are kept. `None` turns TLS off. Each accepted connection
    /// handshakes with the configuration current at its accept.
    pub fn set_tls_files(&self, opts: Option<TlsOptions>) -> Result<()> {
        let mut c = lock(&self.inner.config);
        match opts {
            None => {
                c.tls = None;
                c.tls_files = None;
                Ok(())
            }
            Some(opts) => {
                let mut files = c.tls_files.clone().unwrap_or_default();
                files.default = opts;
                install_tls(&mut c, files)
            }
        }
    }

    /// Serves `opts`' certificate to clients asking for `host` by SNI.
    pub fn add_sni_cert(&self, host: &str, opts: TlsOptions) -> Result<()> {
        let mut c = lock(&self.inner.config);
        let files = c
            .tls_files
            .clone()
            .ok_or_else(crate::tls::no_default_certificate)?
            .with_sni(host, opts)?;
        install_tls(&mut c, files)
    }

    /// Reads every certificate file again for the next accepted connections; on any error
    /// the old certificates stay.
    pub fn reload_tls(&self) -> Result<()> {
        let mut c = lock(&self.inner.config);
        let files = c
            .tls_files
            .clone()
            .ok_or_else(crate::tls::nothing_to_reload)?;
        install_tls(&mut c, files)
    }

    /// Connections beyond `n` open from one client address are closed at accept (0: no cap).
    pub fn set_max_connections_per_ip(&self, n: u32) {
        lock(&self.inner.config).options.per_ip_connections = n;
    }

    /// Expects a PROXY protocol v1/v2 header on every connection, naming the client the
    /// callbacks and the per-IP cap see.
    pub fn set_proxy_protocol(&self, on: bool) {
        lock(&self.inner.config).options.proxy_protocol = on;
    }

    /// Sets one knob of [`TCP_KNOBS`](super::TCP_KNOBS) by name; it applies from the next
    /// start.
    pub fn set_option(&self, name: &str, value: &str) -> Result<()> {
        lock(&self.inner.config).options.set(name, value)
    }

    pub fn set_unpack(&self, unpack: Option<UnpackSetting>) -> Result<()> {
        if let Some(u) = &unpack {
            u.validate()?;
        }
        lock(&self.inner.config).unpack = unpack;
        Ok(())
    }

    /// Replaces the callbacks; connections accepted afterwards use the new ones. The old set is
    /// dropped after the lock is released: its finalizer may call back into the server.
    pub fn set_handlers(&self, handlers: Handlers) {
        let mut c = lock(&self.inner.config);
        let old = std::mem::replace(&mut c.handlers, Arc::new(handlers));
        c.retired.retain(|h| h.strong_count() > 0);
        c.retired.push(Arc::downgrade(&old));
        drop(c);
        drop(old);
    }

    /// Starts the workers and the acceptor, listening again if `closesocket` closed the socket.
    pub fn start(&self, wait: bool) -> Result<()> {
        let inner = &self.inner;
        if inner.stopped.load(Ordering::Acquire) {
            return Err(Error::State("a stopped server cannot start again"));
        }
        if lock(&inner.listener).is_none() && inner.listen_fd.load(Ordering::Acquire) < 0 {
            let (host, port) = {
                let c = lock(&inner.config);
                (c.host.clone(), c.port)
            };
            self.createsocket(port, &host)?;
        }
        {
            let mut c = lock(&inner.config);
            c.options.apply_env(|var| std::env::var(var).ok())?;
            c.per_ip = Arc::new(PerIpConnections::new(c.options.per_ip_connections));
        }
        let pool = {
            let mut workers = lock(&inner.workers);
            workers
                .get_or_insert_with(|| Arc::new(LoopPool::new(lock(&inner.config).thread_num)))
                .clone()
        };
        pool.start(wait)?;
        let listener = lock(&inner.listener).take();
        if let Some(listener) = listener {
            let weak = Arc::downgrade(inner);
            inner.acceptor.run_in_loop(Box::new(move || {
                if let Some(inner) = weak.upgrade() {
                    Inner::start_accept(&inner, listener, pool);
                }
            }));
        }
        if let Some(t) = &inner.acceptor_thread {
            t.start(wait, None, None)?;
        }
        Ok(())
    }

    /// Stops listening; live connections stay open. Safe from any thread.
    pub fn closesocket(&self) {
        self.inner.listen_fd.store(-1, Ordering::Release);
        lock(&self.inner.listener).take();
        if let Some(task) = lock(&self.inner.accept_task).take() {
            task.abort();
        }
    }

    /// Stops accepting, closes every connection (their disconnect callbacks run on their loops)
    /// and, with `wait`, joins the threads. A stopped server cannot start again.
    pub fn stop(&self, wait: bool) {
        self.inner.stopped.store(true, Ordering::Release);
        self.closesocket();
        if let Some(t) = &self.inner.acceptor_thread {
            t.stop(wait);
        }
        let pool = lock(&self.inner.workers).clone();
        if let Some(pool) = pool {
            pool.stop(wait);
        }
    }

    /// Connections whose `onConnection(connected)` has run and whose disconnect has not finished.
    pub fn connection_num(&self) -> usize {
        self.inner.registered.load(Ordering::Acquire)
    }

    pub fn channel_by_id(&self, id: u32) -> Option<Arc<Channel>> {
        lock(&self.inner.channels).get(&id).cloned()
    }

    /// Calls `f` for every connection registered when the call began, on the calling thread,
    /// with no lock held (workers open and close connections meanwhile, and `f` may call any
    /// method, this one included). A channel may close while `f` sees it; its attachment is
    /// then read by reference (`hv_channel_visit_userdata`), never freed under a reader.
    /// Returns how many connections there were.
    pub fn foreach_channel(&self, mut f: impl FnMut(&Arc<Channel>)) -> usize {
        let channels: Vec<Arc<Channel>> = lock(&self.inner.channels).values().cloned().collect();
        for ch in &channels {
            f(ch);
        }
        channels.len()
    }

    /// Writes `data` to every connection; returns how many there were.
    pub fn broadcast(&self, data: &[u8]) -> usize {
        self.foreach_channel(|ch| {
            let _ = ch.write(data);
        })
    }

    /// Worker loop `idx`, or the acceptor loop when there are no workers.
    pub fn worker_loop(&self, idx: usize) -> Option<Arc<EventLoop>> {
        let pool = lock(&self.inner.workers).clone();
        match pool {
            Some(p) if p.thread_num() > 0 => p.get(idx).cloned(),
            _ => (idx == 0).then(|| self.inner.acceptor.clone()),
        }
    }
}

impl Drop for TcpServer {
    /// After drop no callback runs: connections left on an external loop are closed quietly,
    /// and a callback already running there is waited for (unless the dropping thread is
    /// running it).
    fn drop(&mut self) {
        self.stop(true);
        let channels: Vec<_> = lock(&self.inner.channels).values().cloned().collect();
        for ch in channels {
            ch.close();
        }
        let handlers: Vec<Arc<Handlers>> = {
            let c = lock(&self.inner.config);
            let retired = c.retired.iter().filter_map(Weak::upgrade);
            std::iter::once(c.handlers.clone()).chain(retired).collect()
        };
        // Outside the config lock: a callback being waited for may still take it.
        for h in handlers {
            h.disarm();
        }
    }
}

/// Closes an accepted connection from a stopping loop, before or after its handshake.
struct ConnCloser {
    channel: OnceLock<Arc<Channel>>,
    cancel: Notify,
}

impl Closable for ConnCloser {
    fn request_close(&self) {
        match self.channel.get() {
            Some(ch) => ch.close(),
            None => self.cancel.notify_one(),
        }
    }
}

/// Notes a connection closed for its address's per-IP share, one line per interval.
fn refused(client: SocketAddr) {
    static REFUSED: Throttle = Throttle::new(log_throttle::INTERVAL);
    REFUSED.log(LEVEL_WARN, || {
        format!(
            "tcp: closing a connection from {}: per-IP connections reached",
            client.ip()
        )
    });
}

impl Inner {
    fn start_accept(self: &Arc<Self>, listener: StdListener, pool: Arc<LoopPool>) {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                crate::hv_log!(
                    crate::log::LEVEL_ERROR,
                    "accept: cannot register listener: {e}"
                );
                return;
            }
        };
        let weak = Arc::downgrade(self);
        let task = tokio::spawn(async move {
            let mut backoff = AcceptBackoff::new("tcp accept");
            loop {
                let accepted = listener.accept().await;
                let Some(inner) = weak.upgrade() else { return };
                match accepted {
                    Ok((sock, peer)) => {
                        backoff.succeeded();
                        inner.dispatch(sock, peer, &pool)
                    }
                    Err(e) => {
                        if let Some(pause) = backoff.failed(&e) {
                            drop(inner);
                            tokio::time::sleep(pause).await;
                        }
                    }
                }
            }
        });
        *lock(&self.accept_task) = Some(task.abort_handle());
        if self.listen_fd.load(Ordering::Acquire) < 0 {
            task.abort();
        }
    }

    /// Runs on the acceptor: enforce the connection cap, pick a worker, hand the socket over.
    fn dispatch(self: &Arc<Self>, sock: TcpStream, peer: SocketAddr, pool: &LoopPool) {
        let (max, lb, tls, unpack, handlers, per_ip, proxy_protocol, deadline) = {
            let c = lock(&self.config);
            (
                c.max_connections,
                c.load_balance,
                c.tls.clone(),
                c.unpack.clone(),
                c.handlers.clone(),
                c.per_ip.clone(),
                c.options.proxy_protocol,
                c.options.handshake_timeout,
            )
        };
        if self.live.load(Ordering::Acquire) >= max {
            crate::hv_log!(LEVEL_DEBUG, "refusing {peer}: {max} connections");
            return;
        }
        // Behind the PROXY protocol the client is known only once its header is read.
        let admission = if proxy_protocol {
            Admission::AfterProxyHeader(per_ip)
        } else {
            match per_ip.admit(peer.ip()) {
                Some(slot) => Admission::Admitted(slot),
                None => {
                    refused(peer);
                    return;
                }
            }
        };
        self.live.fetch_add(1, Ordering::AcqRel);
        let worker = pool
            .next_loop_for(lb, Some(peer.ip()))
            .unwrap_or(&self.acceptor)
            .clone();
        worker.connection_num.fetch_add(1, Ordering::AcqRel);
        let std_sock = match sock.into_std() {
            Ok(s) => s,
            Err(_) => {
                self.release(&worker);
                return;
            }
        };
        let closer = Arc::new(ConnCloser {
            channel: OnceLock::new(),
            cancel: Notify::new(),
        });
        let weak_closer: Weak<dyn Closable> = Arc::downgrade(&closer) as Weak<dyn Closable>;
        let inner = self.clone();
        let el = worker.clone();
        worker.spawn_tracked(weak_closer, async move {
            inner
                .serve(
                    std_sock,
                    peer,
                    admission,
                    el.clone(),
                    closer,
                    tls,
                    unpack,
                    handlers,
                    deadline,
                )
                .await;
            inner.release(&el);
        });
    }

    #[allow(clippy::too_many_arguments)]
    async fn serve(
        self: &Arc<Self>,
        sock: std::net::TcpStream,
        peer: SocketAddr,
        admission: Admission,
        el: Arc<EventLoop>,
        closer: Arc<ConnCloser>,
        tls: Option<Arc<rustls::ServerConfig>>,
        unpack: Option<UnpackSetting>,
        handlers: Arc<Handlers>,
        handshake_timeout: Duration,
    ) {
        let Ok(mut tcp) = TcpStream::from_std(sock) else {
            return;
        };
        let (peer, _slot) = match admission {
            Admission::Admitted(slot) => (peer, slot),
            Admission::AfterProxyHeader(per_ip) => {
                let client = tokio::select! {
                    c = proxied_client(&mut tcp, peer, handshake_timeout, "tcp") => c,
                    _ = closer.cancel.notified() => return,
                };
                let Some(client) = client else { return };
                let Some(slot) = per_ip.admit(client.ip()) else {
                    refused(client);
                    return;
                };
                (client, slot)
            }
        };
        let _ = tcp.set_nodelay(true);
        let fd = tcp.as_raw_fd();
        let local = tcp.local_addr().ok();
        let tcp = NoSigpipeStream::new(tcp);
        let stream = match tls {
            None => Stream::Plain(tcp),
            Some(config) => {
                let accept = tokio_rustls::TlsAcceptor::from(config).accept(tcp);
                tokio::select! {
                    r = tokio::time::timeout(handshake_timeout, accept) => match r {
                        Ok(Ok(s)) => Stream::ServerTls(Box::new(s)),
                        Ok(Err(e)) => {
                            crate::hv_log!(LEVEL_DEBUG, "TLS handshake with {peer} failed: {e}");
                            return;
                        }
                        Err(_) => {
                            crate::hv_log!(LEVEL_DEBUG, "TLS handshake with {peer} timed out");
                            return;
                        }
                    },
                    _ = closer.cancel.notified() => return,
                }
            }
        };
        let ch = Channel::opened(fd, Some(peer), local, el);
        let _ = closer.channel.set(ch.clone());
        lock(&self.channels).insert(ch.id(), ch.clone());
        self.registered.fetch_add(1, Ordering::AcqRel);
        let mut driver = Driver::new(ch.clone(), stream, handlers, unpack);
        driver.announce();
        driver.run().await;
        // Taken out first: a channel is never dropped under the registry lock.
        let removed = lock(&self.channels).remove(&ch.id());
        self.registered.fetch_sub(1, Ordering::AcqRel);
        drop(removed);
        ch.release_attachment();
    }

    fn release(&self, worker: &EventLoop) {
        self.live.fetch_sub(1, Ordering::AcqRel);
        worker.connection_num.fetch_sub(1, Ordering::AcqRel);
    }
}
