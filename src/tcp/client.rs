//! `TcpClient`: one outbound connection with optional TLS and automatic reconnect.

use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use socket2::{Domain, Socket, Type};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;

use super::channel::{Channel, Driver, Handlers};
use super::nosigpipe::NoSigpipeStream;
use super::reconnect::ReconnectSetting;
use super::stream::Stream;
use super::unpack::UnpackSetting;
use crate::error::{Error, Result, ERR_SSL_HANDSHAKE};
use crate::event_loop::{Closable, EventLoop, LoopThread};
use crate::log::LEVEL_DEBUG;

/// libhv's `HIO_DEFAULT_CONNECT_TIMEOUT`.
const DEFAULT_CONNECT_TIMEOUT_MS: u32 = 10_000;

/// Resolves `host` (a literal or a name, blocking), preferring IPv4 as libhv does.
pub fn resolve(host: &str, port: u16) -> Result<SocketAddr> {
    let host = if host.is_empty() { "0.0.0.0" } else { host };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let addrs: Vec<SocketAddr> = (bare, port)
        .to_socket_addrs()
        .map_err(|e| Error::Resolve {
            host: host.to_owned(),
            reason: e.to_string(),
        })?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| addrs.first())
        .copied()
        .ok_or_else(|| Error::Resolve {
            host: host.to_owned(),
            reason: "no address".into(),
        })
}

struct Config {
    remote: Option<SocketAddr>,
    remote_host: String,
    /// The socket `createsocket` made, used by the first connect (so its fd and `bind` hold).
    socket: Option<Socket>,
    connect_timeout_ms: u32,
    reconnect: Option<ReconnectSetting>,
    tls: Option<Arc<rustls::ClientConfig>>,
    unpack: Option<UnpackSetting>,
    handlers: Arc<Handlers>,
}

struct Inner {
    event_loop: Arc<EventLoop>,
    thread: Option<LoopThread>,
    config: Mutex<Config>,
    channel: Mutex<Option<Arc<Channel>>>,
    /// True from `start` until the connect/reconnect cycle gives up.
    active: AtomicBool,
    /// Bumped by `closesocket`: ends a pending connect or reconnect wait.
    cancel: watch::Sender<u64>,
}

pub struct TcpClient {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl TcpClient {
    /// A client on `event_loop`, or on a loop thread of its own.
    pub fn new(event_loop: Option<Arc<EventLoop>>) -> Self {
        let (event_loop, thread) = match event_loop {
            Some(el) => (el, None),
            None => {
                let t = LoopThread::new(None);
                (t.event_loop().clone(), Some(t))
            }
        };
        TcpClient {
            inner: Arc::new(Inner {
                event_loop,
                thread,
                config: Mutex::new(Config {
                    remote: None,
                    remote_host: String::new(),
                    socket: None,
                    connect_timeout_ms: DEFAULT_CONNECT_TIMEOUT_MS,
                    reconnect: None,
                    tls: None,
                    unpack: None,
                    handlers: Arc::new(Handlers::default()),
                }),
                channel: Mutex::new(None),
                active: AtomicBool::new(false),
                cancel: watch::channel(0).0,
            }),
        }
    }

    pub fn event_loop(&self) -> &Arc<EventLoop> {
        &self.inner.event_loop
    }

    /// Resolves the peer (blocking) and creates the socket; returns its fd.
    pub fn createsocket(&self, port: u16, host: &str) -> Result<i32> {
        let remote = resolve(host, port)?;
        let socket = Socket::new(Domain::for_address(remote), Type::STREAM.cloexec(), None)
            .map_err(|e| Error::io("socket", e))?;
        socket
            .set_nonblocking(true)
            .map_err(|e| Error::io("O_NONBLOCK", e))?;
        let fd = socket.as_raw_fd();
        let mut c = lock(&self.inner.config);
        c.remote = Some(remote);
        c.remote_host = host.to_owned();
        c.socket = Some(socket);
        Ok(fd)
    }

    /// Binds the socket made by `createsocket` to a local address.
    pub fn bind(&self, port: u16, host: &str) -> Result<()> {
        let local = resolve(host, port)?;
        let c = lock(&self.inner.config);
        let socket = c
            .socket
            .as_ref()
            .ok_or(Error::State("no socket: call createsocket first"))?;
        socket
            .bind(&local.into())
            .map_err(|e| Error::io(format!("bind {local}"), e))
    }

    pub fn remote_addr(&self) -> Option<SocketAddr> {
        lock(&self.inner.config).remote
    }

    pub fn set_connect_timeout(&self, ms: u32) {
        lock(&self.inner.config).connect_timeout_ms = ms;
    }

    /// Sets or (with `None`) clears the reconnect policy; clearing also cancels a pending retry.
    pub fn set_reconnect(&self, setting: Option<ReconnectSetting>) {
        let clear = setting.is_none();
        lock(&self.inner.config).reconnect = setting;
        if clear && !self.is_connected() && self.inner.active.load(Ordering::Acquire) {
            self.inner.cancel.send_modify(|g| *g += 1);
        }
    }

    /// The live reconnect state (`cur_delay`, `cur_retry_cnt`), if reconnect is set.
    pub fn reconnect_setting(&self) -> Option<ReconnectSetting> {
        lock(&self.inner.config).reconnect
    }

    pub fn set_tls(&self, tls: Option<Arc<rustls::ClientConfig>>) {
        lock(&self.inner.config).tls = tls;
    }

    pub fn set_unpack(&self, unpack: Option<UnpackSetting>) -> Result<()> {
        if let Some(u) = &unpack {
            u.validate()?;
        }
        lock(&self.inner.config).unpack = unpack;
        Ok(())
    }

    /// Replaces the callbacks; the old set is dropped after the lock is released, so its
    /// finalizer may call back into the client.
    pub fn set_handlers(&self, handlers: Handlers) {
        let old = std::mem::replace(&mut lock(&self.inner.config).handlers, Arc::new(handlers));
        drop(old);
    }

    pub fn channel(&self) -> Option<Arc<Channel>> {
        lock(&self.inner.channel).clone()
    }

    pub fn is_connected(&self) -> bool {
        self.channel().is_some_and(|c| c.is_connected())
    }

    /// Writes when connected (any thread); `Error::Closed` otherwise.
    pub fn send(&self, data: &[u8]) -> Result<usize> {
        match self.channel() {
            Some(ch) if ch.is_connected() => ch.write(data),
            _ => Err(Error::Closed),
        }
    }

    /// Starts connecting on the loop (starting the owned thread if needed). Returns at once.
    pub fn start(&self, wait: bool) -> Result<()> {
        if lock(&self.inner.config).remote.is_none() {
            return Err(Error::State("no peer: call createsocket first"));
        }
        let weak = Arc::downgrade(&self.inner);
        self.inner.event_loop.run_in_loop(Box::new(move || {
            if let Some(inner) = weak.upgrade() {
                Inner::start_connect(&inner);
            }
        }));
        if let Some(t) = &self.inner.thread {
            t.start(wait, None, None)?;
        }
        Ok(())
    }

    /// Closes the connection for good: reconnect is cleared first. Safe from any thread.
    pub fn closesocket(&self) {
        lock(&self.inner.config).reconnect = None;
        self.inner.cancel.send_modify(|g| *g += 1);
        if let Some(ch) = self.channel() {
            ch.close();
        }
    }

    /// `closesocket`, then stops the owned loop thread (joining it with `wait`).
    pub fn stop(&self, wait: bool) {
        self.closesocket();
        if let Some(t) = &self.inner.thread {
            t.stop(wait);
        }
    }
}

impl Drop for TcpClient {
    /// After drop no callback runs: an owned thread is joined; on an external loop the
    /// connection is closed and, off the loop thread, its last callback is waited for.
    fn drop(&mut self) {
        self.stop(true);
        let el = &self.inner.event_loop;
        if self.inner.thread.is_none() && !el.is_in_loop_thread() {
            while self.inner.active.load(Ordering::Acquire) && el.is_running() {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        let handlers = lock(&self.inner.config).handlers.clone();
        // Outside the config lock: a callback being waited for may still take it.
        handlers.disarm();
    }
}

impl Closable for Inner {
    fn request_close(&self) {
        lock(&self.config).reconnect = None;
        self.cancel.send_modify(|g| *g += 1);
        if let Some(ch) = lock(&self.channel).clone() {
            ch.close();
        }
    }
}

impl Inner {
    /// Publishes the current connection. The previous one is dropped after the lock is released:
    /// a closed channel may still own userdata whose finalizer calls back into the client.
    fn set_channel(&self, ch: Arc<Channel>) {
        let previous = lock(&self.channel).replace(ch);
        drop(previous);
    }

    /// Runs on the loop; a second start while connecting or connected does nothing.
    fn start_connect(self: &Arc<Self>) {
        if self.active.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = self.clone();
        let weak: Weak<dyn Closable> = Arc::downgrade(self) as Weak<dyn Closable>;
        self.event_loop.spawn_tracked(weak, async move {
            this.connect_cycle().await;
            this.active.store(false, Ordering::Release);
        });
    }

    async fn connect_cycle(self: &Arc<Self>) {
        let mut cancel = self.cancel.subscribe();
        loop {
            let (remote, host, socket, timeout_ms, tls, unpack, handlers) = {
                let mut c = lock(&self.config);
                let Some(remote) = c.remote else { return };
                (
                    remote,
                    c.remote_host.clone(),
                    c.socket.take(),
                    c.connect_timeout_ms,
                    c.tls.clone(),
                    c.unpack.clone(),
                    c.handlers.clone(),
                )
            };
            let attempt = tokio::select! {
                r = connect(remote, &host, socket, timeout_ms, tls) => Some(r),
                _ = cancel.changed() => None,
            };
            match attempt {
                None => return,
                Some(Ok((stream, fd))) => {
                    let local = fd.1;
                    let ch = Channel::opened(fd.0, Some(remote), local, self.event_loop.clone());
                    self.set_channel(ch.clone());
                    let mut driver = Driver::new(ch.clone(), stream, handlers, unpack);
                    driver.announce();
                    if let Some(r) = lock(&self.config).reconnect.as_mut() {
                        r.reset();
                    }
                    driver.run().await;
                    ch.release_attachment();
                }
                Some(Err((code, fd))) => {
                    let ch = Channel::failed(fd, Some(remote), code, self.event_loop.clone());
                    self.set_channel(ch.clone());
                    handlers.connection(&ch);
                    ch.release_attachment();
                }
            }
            let delay = {
                let mut c = lock(&self.config);
                let Some(r) = c.reconnect.as_mut() else {
                    return;
                };
                if !r.can_retry() {
                    return;
                }
                r.calc_delay()
            };
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(u64::from(delay))) => {}
                _ = cancel.changed() => return,
            }
        }
    }
}

type Connected = (Stream, (i32, Option<SocketAddr>));

/// One connect attempt within `timeout_ms`, TLS handshake included. A failure gives the errno
/// value and the number of the socket that was tried (-1 when none could be made): libhv's
/// channel for a failed connect keeps its socket's fd, and programs print it.
async fn connect(
    remote: SocketAddr,
    host: &str,
    socket: Option<Socket>,
    timeout_ms: u32,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> std::result::Result<Connected, (i32, i32)> {
    let socket = match socket {
        Some(s) => s,
        None => {
            let s = Socket::new(Domain::for_address(remote), Type::STREAM.cloexec(), None)
                .map_err(|e| (errno(&e), -1))?;
            s.set_nonblocking(true).map_err(|e| (errno(&e), -1))?;
            s
        }
    };
    let fd = socket.as_raw_fd();
    // SAFETY: the fd comes from `socket`, which gives up ownership through into_raw_fd.
    let std_stream = unsafe { std::net::TcpStream::from_raw_fd(socket.into_raw_fd()) };
    let tcp_socket = TcpSocket::from_std_stream(std_stream);
    let limit = Duration::from_millis(u64::from(if timeout_ms == 0 {
        DEFAULT_CONNECT_TIMEOUT_MS
    } else {
        timeout_ms
    }));
    let work = async move {
        let tcp: TcpStream = tcp_socket.connect(remote).await.map_err(|e| errno(&e))?;
        let _ = tcp.set_nodelay(true);
        let ids = (tcp.as_raw_fd(), tcp.local_addr().ok());
        let tcp = NoSigpipeStream::new(tcp);
        let stream = match tls {
            None => Stream::Plain(tcp),
            Some(config) => {
                let name =
                    crate::tls::server_name(if host.is_empty() { "localhost" } else { host })
                        .map_err(|_| ERR_SSL_HANDSHAKE)?;
                match tokio_rustls::TlsConnector::from(config)
                    .connect(name, tcp)
                    .await
                {
                    Ok(s) => Stream::ClientTls(Box::new(s)),
                    Err(e) => {
                        crate::hv_log!(LEVEL_DEBUG, "TLS handshake with {remote} failed: {e}");
                        return Err(ERR_SSL_HANDSHAKE);
                    }
                }
            }
        };
        Ok((stream, ids))
    };
    tokio::time::timeout(limit, work)
        .await
        .unwrap_or(Err(libc::ETIMEDOUT))
        .map_err(|code| (code, fd))
}

fn errno(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(libc::EIO)
}
