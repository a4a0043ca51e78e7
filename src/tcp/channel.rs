//! A connection's shared handle (`Channel`) and the task that drives it on its loop.
//!
//! Any thread may write or close through the `Channel`: bytes are appended to one queue under a
//! lock, so each write stays contiguous, and the driver task is woken. Everything else (reading,
//! framing, timeouts, heartbeat, every callback) happens in the driver, on the connection's loop.

use std::any::Any;
use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::stream::Stream;
use super::unpack::{FrameError, UnpackSetting, Unpacker};
use crate::error::{Error, Result, ERR_INVALID_PARAM, ERR_OVER_LIMIT};
use crate::event_loop::{Closable, EventLoop};

/// libhv's `Channel::Status` numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ChannelStatus {
    Opened = 0,
    Connecting = 1,
    Connected = 2,
    Disconnected = 3,
    Closed = 4,
}

/// libhv's read size: raw-mode messages arrive in chunks of at most this many bytes.
const READ_CHUNK: usize = 8192;
/// libhv's `MAX_WRITE_BUFSIZE`: more unsent bytes than this close the connection.
pub const DEFAULT_MAX_WRITE_BUFSIZE: usize = 16 << 20;
/// libhv's `HIO_DEFAULT_CLOSE_TIMEOUT`: how long a close waits for queued output to drain.
const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(60);
/// Write buffer capacity kept after a drain; larger buffers are released.
const RETAINED_WRITE_CAPACITY: usize = 64 << 10;
/// How long the final shutdown (FIN, or TLS close_notify) may take before the socket is dropped.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

pub type ConnectionFn = Box<dyn Fn(&Arc<Channel>) + Send + Sync>;
pub type DataFn = Box<dyn Fn(&Arc<Channel>, &[u8]) + Send + Sync>;
pub type HeartbeatFn = Box<dyn FnMut() + Send>;

/// The callbacks of a server or client, shared by all of its connections.
#[derive(Default)]
pub struct Handlers {
    pub on_connection: Option<ConnectionFn>,
    pub on_message: Option<DataFn>,
    pub on_write_complete: Option<DataFn>,
    /// Set when the owner is destroyed: connections still draining on an external loop must not
    /// call back into an object that is gone.
    disarmed: AtomicBool,
    /// Callbacks running right now, on any thread; `disarm` waits for them.
    in_flight: AtomicUsize,
    /// Wakes a waiting `disarm` when a callback returns. The mutex guards nothing but the wait:
    /// it is never held while a callback runs.
    idle_lock: Mutex<()>,
    idle: Condvar,
}

/// The innermost callback this thread is running: its `Handlers` (null when none), so that an
/// owner destroyed from inside its own callback does not wait for that callback, and its
/// channel (null when none), so that a write from inside a channel's own callback needs no
/// wake-up and may go to the socket at once.
#[derive(Clone, Copy)]
struct Dispatching {
    handlers: *const Handlers,
    channel: *const Channel,
}

impl Dispatching {
    const NONE: Self = Dispatching {
        handlers: std::ptr::null(),
        channel: std::ptr::null(),
    };

    fn current() -> Self {
        // `try_with`: a callback may end while the thread's locals are being destroyed.
        DISPATCHING.try_with(Cell::get).unwrap_or(Self::NONE)
    }
}

thread_local! {
    static DISPATCHING: Cell<Dispatching> = const { Cell::new(Dispatching::NONE) };
}

/// One callback about a channel running on this thread, recorded as the thread's innermost
/// dispatch until dropped, and counted in its handlers' `in_flight` when it has handlers (a
/// heartbeat has none).
struct InCallback<'a> {
    handlers: Option<&'a Handlers>,
    outer: Dispatching,
}

impl<'a> InCallback<'a> {
    fn enter(handlers: Option<&'a Handlers>, channel: &Channel) -> Self {
        let outer = DISPATCHING
            .try_with(|d| {
                let outer = d.get();
                d.set(Dispatching {
                    handlers: handlers.map_or(outer.handlers, std::ptr::from_ref),
                    channel,
                });
                outer
            })
            .unwrap_or(Dispatching::NONE);
        InCallback { handlers, outer }
    }
}

impl Drop for InCallback<'_> {
    fn drop(&mut self) {
        let _ = DISPATCHING.try_with(|d| d.set(self.outer));
        if let Some(h) = self.handlers {
            h.leave();
        }
    }
}

enum Command {
    KeepaliveTimeout(u32),
    ReadTimeout(u32),
    WriteTimeout(u32),
    CloseTimeout(u32),
    Heartbeat(u32, Option<HeartbeatFn>),
    Unpack(Option<UnpackSetting>),
}

#[derive(Default)]
struct Shared {
    queue: Vec<u8>,
    commands: Vec<Command>,
    waker: Option<Waker>,
    close: bool,
}

static NEXT_CHANNEL_ID: AtomicU32 = AtomicU32::new(1);

pub struct Channel {
    id: u32,
    fd: i32,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
    status: AtomicU8,
    error: AtomicI32,
    event_loop: Arc<EventLoop>,
    shared: Mutex<Shared>,
    /// Set by the driver for a plain socket without a write-complete callback: a write from the
    /// channel's own callback with nothing queued goes to the socket at once.
    direct: AtomicBool,
    /// A direct write reached the socket since the driver last looked (for the write timeouts).
    wrote_direct: AtomicBool,
    unsent: AtomicUsize,
    max_write_bufsize: AtomicUsize,
    attachment: Mutex<Attachment>,
}

/// The slot behind `Channel::set_attachment`. `Released` is final: once the connection's last
/// callback ran, nothing attached afterwards could ever be released with it.
enum Attachment {
    Empty,
    Held(Box<dyn Any + Send>),
    Released,
}

impl Channel {
    fn new(
        fd: i32,
        peer: Option<SocketAddr>,
        local: Option<SocketAddr>,
        status: ChannelStatus,
        event_loop: Arc<EventLoop>,
    ) -> Arc<Self> {
        let mut id = NEXT_CHANNEL_ID.fetch_add(1, Ordering::Relaxed);
        if id == 0 {
            id = NEXT_CHANNEL_ID.fetch_add(1, Ordering::Relaxed);
        }
        Arc::new(Channel {
            id,
            fd,
            peer,
            local,
            status: AtomicU8::new(status as u8),
            error: AtomicI32::new(0),
            event_loop,
            shared: Mutex::new(Shared::default()),
            direct: AtomicBool::new(false),
            wrote_direct: AtomicBool::new(false),
            unsent: AtomicUsize::new(0),
            max_write_bufsize: AtomicUsize::new(DEFAULT_MAX_WRITE_BUFSIZE),
            attachment: Mutex::new(Attachment::Empty),
        })
    }

    /// A channel for an established socket, opened and about to be driven.
    pub(crate) fn opened(
        fd: i32,
        peer: Option<SocketAddr>,
        local: Option<SocketAddr>,
        el: Arc<EventLoop>,
    ) -> Arc<Self> {
        Self::new(fd, peer, local, ChannelStatus::Opened, el)
    }

    /// Stands for a listening socket (libhv's listen `hio_t`): never connected, so writes fail
    /// and closing does nothing; it reports the listening fd and the bound address.
    pub(crate) fn listener(fd: i32, local: Option<SocketAddr>, el: Arc<EventLoop>) -> Arc<Self> {
        Self::new(fd, None, local, ChannelStatus::Closed, el)
    }

    /// A channel that never connected: what a failed connect reports to `onConnection`. `fd`
    /// is the number the tried socket had (already closed), as libhv's `Channel::fd()` keeps it.
    pub(crate) fn failed(
        fd: i32,
        peer: Option<SocketAddr>,
        error: i32,
        el: Arc<EventLoop>,
    ) -> Arc<Self> {
        let ch = Self::new(fd, peer, None, ChannelStatus::Closed, el);
        ch.error.store(error, Ordering::Relaxed);
        ch
    }

    fn shared(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Unique, nonzero, process-wide.
    pub fn id(&self) -> u32 {
        self.id
    }

    pub fn fd(&self) -> i32 {
        self.fd
    }

    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local
    }

    pub fn event_loop(&self) -> &Arc<EventLoop> {
        &self.event_loop
    }

    pub fn status(&self) -> ChannelStatus {
        match self.status.load(Ordering::Acquire) {
            0 => ChannelStatus::Opened,
            1 => ChannelStatus::Connecting,
            2 => ChannelStatus::Connected,
            3 => ChannelStatus::Disconnected,
            _ => ChannelStatus::Closed,
        }
    }

    fn set_status(&self, s: ChannelStatus) {
        self.status.store(s as u8, Ordering::Release);
    }

    pub fn is_opened(&self) -> bool {
        (self.status.load(Ordering::Acquire)) < ChannelStatus::Disconnected as u8
    }

    pub fn is_connected(&self) -> bool {
        self.status() == ChannelStatus::Connected
    }

    /// Why the connection closed: 0 for a normal close, `ETIMEDOUT`, 1022 (over limit),
    /// 1043 (TLS handshake) or the socket's errno.
    pub fn error(&self) -> i32 {
        self.error.load(Ordering::Relaxed)
    }

    fn set_error_once(&self, code: i32) {
        let _ = self
            .error
            .compare_exchange(0, code, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Queued bytes not yet handed to the socket.
    pub fn write_bufsize(&self) -> usize {
        self.unsent.load(Ordering::Acquire)
    }

    pub fn set_max_write_bufsize(&self, bytes: usize) {
        self.max_write_bufsize
            .store(bytes.max(1), Ordering::Relaxed);
    }

    /// Whether this thread is running one of this channel's callbacks (so it is the loop thread,
    /// the driver waits for the callback to return, and then looks at the queue and commands).
    fn in_own_callback(&self) -> bool {
        std::ptr::eq(Dispatching::current().channel, self)
    }

    /// Queues `data` from any thread; the bytes of one call are never interleaved with another's.
    /// Returns the number of bytes accepted (all of them). From the channel's own callback, with
    /// nothing queued before, a plain socket takes what it can at once and only the rest is
    /// queued.
    pub fn write(&self, data: &[u8]) -> Result<usize> {
        if !self.is_opened() {
            return Err(Error::Closed);
        }
        let in_callback = self.in_own_callback();
        let mut shared = self.shared();
        if shared.close {
            return Err(Error::Closed);
        }
        let unsent = self.unsent.load(Ordering::Acquire);
        if unsent + data.len() > self.max_write_bufsize.load(Ordering::Relaxed) {
            drop(shared);
            self.set_error_once(ERR_OVER_LIMIT);
            self.close();
            return Err(Error::OverLimit(format!(
                "{} bytes queued, write buffer limit reached",
                unsent
            )));
        }
        let mut rest = data;
        if in_callback && unsent == 0 && self.direct.load(Ordering::Relaxed) {
            rest = &data[self.send_now(data)..];
            if rest.is_empty() {
                return Ok(data.len());
            }
        }
        shared.queue.extend_from_slice(rest);
        self.unsent.fetch_add(rest.len(), Ordering::AcqRel);
        // The driver checks the queue right after a callback returns, so a write made inside
        // one needs no wake-up (saving a task re-poll per message).
        let waker = if in_callback {
            None
        } else {
            shared.waker.take()
        };
        drop(shared);
        if let Some(w) = waker {
            w.wake();
        }
        Ok(data.len())
    }

    /// Hands `data` to the socket without waiting: the bytes it took, 0 when it took none or
    /// failed (the driver then meets the error on its own write of the queued bytes).
    fn send_now(&self, data: &[u8]) -> usize {
        // SAFETY: `fd` is the connection's plain socket, which the driver keeps open while the
        // channel's callbacks run; `data` is valid for `data.len()` bytes. MSG_NOSIGNAL: a peer
        // that is gone gives EPIPE, not SIGPIPE.
        let sent = unsafe {
            libc::send(
                self.fd,
                data.as_ptr().cast(),
                data.len(),
                libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
            )
        };
        match usize::try_from(sent) {
            Ok(n) if n > 0 => {
                self.wrote_direct.store(true, Ordering::Relaxed);
                n
            }
            _ => 0,
        }
    }

    /// Closes from any thread: the channel stops accepting writes at once, queued output is
    /// flushed (bounded by the close timeout), then the disconnect callback runs on the loop.
    pub fn close(&self) {
        if self.status() == ChannelStatus::Closed {
            return;
        }
        self.set_status(ChannelStatus::Closed);
        self.request_close_internal();
    }

    fn request_close_internal(&self) {
        let mut shared = self.shared();
        shared.close = true;
        let waker = shared.waker.take();
        drop(shared);
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn command(&self, c: Command) {
        let in_callback = self.in_own_callback();
        let mut shared = self.shared();
        shared.commands.push(c);
        let waker = if in_callback {
            None
        } else {
            shared.waker.take()
        };
        drop(shared);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Closes the connection with ETIMEDOUT after `ms` without reads or writes; 0 disables.
    pub fn set_keepalive_timeout(&self, ms: u32) {
        self.command(Command::KeepaliveTimeout(ms));
    }

    pub fn set_read_timeout(&self, ms: u32) {
        self.command(Command::ReadTimeout(ms));
    }

    pub fn set_write_timeout(&self, ms: u32) {
        self.command(Command::WriteTimeout(ms));
    }

    pub fn set_close_timeout(&self, ms: u32) {
        self.command(Command::CloseTimeout(ms));
    }

    /// Calls `f` every `interval_ms` on the loop until the connection closes; 0 removes it.
    pub fn set_heartbeat(&self, interval_ms: u32, f: Option<HeartbeatFn>) {
        self.command(Command::Heartbeat(interval_ms, f));
    }

    /// Changes how incoming bytes are split into messages (`None` = raw chunks).
    pub fn set_unpack(&self, setting: Option<UnpackSetting>) -> Result<()> {
        if let Some(s) = &setting {
            s.validate()?;
        }
        self.command(Command::Unpack(setting));
        Ok(())
    }

    /// Calls `f` with the attachment when this thread runs one of the channel's callbacks (else
    /// with `None`): the attachment then stays in place at least until the callback returns, so
    /// what `f` reads from it may be borrowed for that long without a reference of its own.
    pub fn with_attachment_in_callback<R>(
        &self,
        f: impl FnOnce(Option<&(dyn Any + Send)>) -> R,
    ) -> R {
        if self.in_own_callback() {
            self.with_attachment(f)
        } else {
            f(None)
        }
    }

    fn attachment(&self) -> std::sync::MutexGuard<'_, Attachment> {
        self.attachment.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores one object with the channel (the C++ `SocketChannel` companion). Refused, and
    /// handed back for the caller to drop outside the lock, when one is attached already or the
    /// attachment was released.
    pub fn set_attachment(
        &self,
        value: Box<dyn Any + Send>,
    ) -> std::result::Result<(), Box<dyn Any + Send>> {
        let mut slot = self.attachment();
        match *slot {
            Attachment::Empty => {
                *slot = Attachment::Held(value);
                Ok(())
            }
            Attachment::Held(_) | Attachment::Released => Err(value),
        }
    }

    /// Calls `f` with the attachment under its lock: `f` should only clone what it needs, so
    /// that no foreign code runs under the lock.
    pub fn with_attachment<R>(&self, f: impl FnOnce(Option<&(dyn Any + Send)>) -> R) -> R {
        match &*self.attachment() {
            Attachment::Held(value) => f(Some(value.as_ref())),
            Attachment::Empty | Attachment::Released => f(None),
        }
    }

    /// Drops the attachment (outside the lock) once no callback can see the channel any more;
    /// later `set_attachment` calls are refused.
    pub(crate) fn release_attachment(&self) {
        let value = std::mem::replace(&mut *self.attachment(), Attachment::Released);
        drop(value);
    }
}

impl Closable for Channel {
    fn request_close(&self) {
        self.close();
    }
}

impl Handlers {
    pub fn new(
        on_connection: Option<ConnectionFn>,
        on_message: Option<DataFn>,
        on_write_complete: Option<DataFn>,
    ) -> Self {
        Handlers {
            on_connection,
            on_message,
            on_write_complete,
            ..Handlers::default()
        }
    }

    /// Stops every callback from starting and waits for those already running on other
    /// threads (one running on this thread, which may be destroying its owner, is not waited
    /// for). When it returns no callback runs, nor ever will.
    pub(crate) fn disarm(&self) {
        self.disarmed.store(true, Ordering::SeqCst);
        let own = std::ptr::eq(Dispatching::current().handlers, self);
        let mut idle = self.idle_lock.lock().unwrap_or_else(|p| p.into_inner());
        while self.in_flight.load(Ordering::SeqCst) > usize::from(own) {
            idle = self.idle.wait(idle).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Counts a callback in before it runs; `None`, with nothing counted, once disarmed. The
    /// count goes up before the flag is read and `disarm` sets the flag before it reads the
    /// count, so each callback either sees the flag or is waited for.
    fn enter(&self, ch: &Channel) -> Option<InCallback<'_>> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        if self.disarmed.load(Ordering::SeqCst) {
            self.leave();
            return None;
        }
        Some(InCallback::enter(Some(self), ch))
    }

    fn leave(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        if self.disarmed.load(Ordering::SeqCst) {
            // Taking the lock orders this wake-up after the waiter's check of the count.
            let _idle = self.idle_lock.lock().unwrap_or_else(|p| p.into_inner());
            self.idle.notify_all();
        }
    }

    pub(crate) fn connection(&self, ch: &Arc<Channel>) {
        if let Some(f) = &self.on_connection {
            let Some(_running) = self.enter(ch) else {
                return;
            };
            f(ch);
        }
    }

    fn message(&self, ch: &Arc<Channel>, data: &[u8]) {
        self.data(self.on_message.as_ref(), ch, data);
    }

    fn write_complete(&self, ch: &Arc<Channel>, data: &[u8]) {
        self.data(self.on_write_complete.as_ref(), ch, data);
    }

    fn data(&self, f: Option<&DataFn>, ch: &Arc<Channel>, data: &[u8]) {
        if let Some(f) = f {
            let Some(_running) = self.enter(ch) else {
                return;
            };
            f(ch, data);
        }
    }
}

enum Event {
    Read,
    Wrote(usize, usize),
    Heartbeat,
    Closed(i32),
}

/// Drives one established connection: announce, serve until closed, report the disconnect.
pub(crate) struct Driver {
    ch: Arc<Channel>,
    stream: Stream,
    handlers: Arc<Handlers>,
    unpacker: Option<Unpacker>,
    rbuf: Vec<u8>,
    wbuf: Vec<u8>,
    wpos: usize,
    needs_flush: bool,
    closing: Option<Instant>,
    keepalive: Option<Duration>,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    close_timeout: Duration,
    last_read: Instant,
    last_write: Instant,
    heartbeat: Option<(Duration, Instant, HeartbeatFn)>,
    timer: Pin<Box<Sleep>>,
    timer_at: Option<Instant>,
}

impl Driver {
    pub(crate) fn new(
        ch: Arc<Channel>,
        stream: Stream,
        handlers: Arc<Handlers>,
        unpack: Option<UnpackSetting>,
    ) -> Self {
        let now = Instant::now();
        let direct = matches!(stream, Stream::Plain(_)) && handlers.on_write_complete.is_none();
        ch.direct.store(direct, Ordering::Relaxed);
        Driver {
            ch,
            stream,
            handlers,
            unpacker: unpack.map(Unpacker::new),
            rbuf: Vec::with_capacity(READ_CHUNK + 1),
            wbuf: Vec::new(),
            wpos: 0,
            needs_flush: false,
            closing: None,
            keepalive: None,
            read_timeout: None,
            write_timeout: None,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            last_read: now,
            last_write: now,
            heartbeat: None,
            timer: Box::pin(tokio::time::sleep_until(now)),
            timer_at: None,
        }
    }

    /// Marks the channel connected and calls `onConnection` (unless it was closed already).
    pub(crate) fn announce(&mut self) {
        if self.ch.status() == ChannelStatus::Opened {
            self.ch.set_status(ChannelStatus::Connected);
        }
        self.handlers.connection(&self.ch);
    }

    /// Serves until the connection ends, then shuts the socket and calls the disconnect callback.
    pub(crate) async fn run(mut self) {
        let code = self.serve().await;
        self.ch.set_error_once(code);
        self.ch.set_status(ChannelStatus::Closed);
        let _ = tokio::time::timeout(
            SHUTDOWN_GRACE,
            poll_fn(|cx| Pin::new(&mut self.stream).poll_shutdown(cx)),
        )
        .await;
        drop(self.stream);
        self.ch.unsent.store(0, Ordering::Release);
        self.handlers.connection(&self.ch);
    }

    async fn serve(&mut self) -> i32 {
        loop {
            match poll_fn(|cx| self.poll_event(cx)).await {
                Event::Read => {
                    if let Err(code) = self.dispatch_reads() {
                        return code;
                    }
                }
                Event::Wrote(from, to) => {
                    self.handlers.write_complete(&self.ch, &self.wbuf[from..to]);
                }
                Event::Heartbeat => {
                    if let Some((_, _, f)) = &mut self.heartbeat {
                        let _running = InCallback::enter(None, &self.ch);
                        f();
                    }
                }
                Event::Closed(code) => return code,
            }
        }
    }

    fn apply(&mut self, c: Command) {
        let ms = |v: u32| (v > 0).then(|| Duration::from_millis(u64::from(v)));
        let now = Instant::now();
        match c {
            Command::KeepaliveTimeout(v) => {
                // Reads and writes are timed only while a timeout needs them: count from now.
                if self.keepalive.is_none() {
                    if self.read_timeout.is_none() {
                        self.last_read = now;
                    }
                    if self.write_timeout.is_none() {
                        self.last_write = now;
                    }
                }
                self.keepalive = ms(v);
            }
            Command::ReadTimeout(v) => {
                self.read_timeout = ms(v);
                self.last_read = now;
            }
            Command::WriteTimeout(v) => {
                self.write_timeout = ms(v);
                self.last_write = now;
            }
            Command::CloseTimeout(v) => self.close_timeout = ms(v).unwrap_or(DEFAULT_CLOSE_TIMEOUT),
            Command::Heartbeat(v, f) => {
                self.heartbeat = match (ms(v), f) {
                    (Some(d), Some(f)) => Some((d, now + d, f)),
                    _ => None,
                }
            }
            Command::Unpack(s) => self.unpacker = s.map(Unpacker::new),
        }
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Event> {
        let (close, commands) = {
            let mut shared = self.ch.shared();
            match &shared.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => shared.waker = Some(cx.waker().clone()),
            }
            if self.wpos == self.wbuf.len() {
                self.wbuf.clear();
                // One burst must not pin its buffer for the connection's lifetime.
                self.wbuf.shrink_to(RETAINED_WRITE_CAPACITY);
                self.wpos = 0;
                std::mem::swap(&mut self.wbuf, &mut shared.queue);
            } else if !shared.queue.is_empty() {
                self.wbuf.append(&mut shared.queue);
            }
            let commands =
                (!shared.commands.is_empty()).then(|| std::mem::take(&mut shared.commands));
            (shared.close, commands)
        };
        if let Some(commands) = commands {
            for c in commands {
                self.apply(c);
            }
        }
        if self.ch.wrote_direct.swap(false, Ordering::Relaxed) {
            self.note_write();
        }
        if close && self.closing.is_none() {
            self.closing = Some(Instant::now());
        }

        while self.wpos < self.wbuf.len() {
            match Pin::new(&mut self.stream).poll_write(cx, &self.wbuf[self.wpos..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Event::Closed(libc::EPIPE)),
                Poll::Ready(Ok(n)) => {
                    let from = self.wpos;
                    self.wpos += n;
                    self.ch.unsent.fetch_sub(n, Ordering::AcqRel);
                    self.note_write();
                    self.needs_flush = true;
                    if self.handlers.on_write_complete.is_some() {
                        return Poll::Ready(Event::Wrote(from, self.wpos));
                    }
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Event::Closed(errno(&e))),
                Poll::Pending => break,
            }
        }
        if self.needs_flush {
            match Pin::new(&mut self.stream).poll_flush(cx) {
                Poll::Ready(Ok(())) => self.needs_flush = false,
                Poll::Ready(Err(e)) => return Poll::Ready(Event::Closed(errno(&e))),
                Poll::Pending => {}
            }
        }
        let drained = self.wpos == self.wbuf.len() && !self.needs_flush;
        if close && drained {
            return Poll::Ready(Event::Closed(0));
        }

        if self.closing.is_none() {
            if let Poll::Ready(ev) = self.poll_read(cx) {
                return Poll::Ready(ev);
            }
        }
        self.poll_timers(cx, drained)
    }

    /// Times a write, when a timeout needs it (a clock read per write costs on a busy
    /// connection).
    fn note_write(&mut self) {
        if self.keepalive.is_some() || self.write_timeout.is_some() {
            self.last_write = Instant::now();
        }
    }

    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<Event> {
        if self.unpacker.is_none() {
            self.rbuf.clear();
        }
        if self.rbuf.capacity() - self.rbuf.len() < READ_CHUNK / 2 + 1 {
            self.rbuf.reserve(READ_CHUNK);
        }
        let len = self.rbuf.len();
        let room = (self.rbuf.capacity() - len - 1).min(READ_CHUNK.max(len));
        let spare = &mut self.rbuf.spare_capacity_mut()[..room];
        let mut rb = ReadBuf::uninit(spare);
        match Pin::new(&mut self.stream).poll_read(cx, &mut rb) {
            Poll::Ready(Ok(())) => {
                let n = rb.filled().len();
                if n == 0 {
                    return Poll::Ready(Event::Closed(0));
                }
                // SAFETY: `ReadBuf` guarantees its first `n` bytes were initialised by the read.
                unsafe { self.rbuf.set_len(len + n) };
                if self.keepalive.is_some() || self.read_timeout.is_some() {
                    self.last_read = Instant::now();
                }
                Poll::Ready(Event::Read)
            }
            Poll::Ready(Err(e)) => Poll::Ready(Event::Closed(errno(&e))),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Delivers what was read: the whole chunk in raw mode, else every complete message.
    fn dispatch_reads(&mut self) -> std::result::Result<(), i32> {
        if self.handlers.on_message.is_none() {
            if self.unpacker.is_some() {
                self.rbuf.clear();
            }
            return Ok(());
        }
        let Some(unpacker) = &mut self.unpacker else {
            // C callers sometimes print the chunk with %s: keep a NUL right after it.
            self.rbuf.spare_capacity_mut()[0].write(0);
            self.handlers.message(&self.ch, &self.rbuf);
            return Ok(());
        };
        let mut start = 0;
        let result = loop {
            if self.ch.shared().close {
                break Ok(());
            }
            match unpacker.next_frame(&self.rbuf[start..]) {
                Ok(Some(n)) => {
                    self.handlers
                        .message(&self.ch, &self.rbuf[start..start + n]);
                    start += n;
                }
                Ok(None) => break Ok(()),
                Err(FrameError::OverLimit) => break Err(ERR_OVER_LIMIT),
                Err(FrameError::Invalid) => break Err(ERR_INVALID_PARAM),
            }
        };
        self.rbuf.drain(..start);
        if self.rbuf.is_empty() && self.rbuf.capacity() > 4 * READ_CHUNK {
            self.rbuf = Vec::with_capacity(READ_CHUNK + 1);
        }
        result
    }

    fn poll_timers(&mut self, cx: &mut Context<'_>, drained: bool) -> Poll<Event> {
        // Most connections have no timer: they need no clock read per wake-up either.
        let untimed = self.keepalive.is_none()
            && self.read_timeout.is_none()
            && self.write_timeout.is_none()
            && self.heartbeat.is_none();
        if untimed && (self.closing.is_none() || drained) {
            return Poll::Pending;
        }
        loop {
            let now = Instant::now();
            let mut next: Option<Instant> = None;
            let mut consider = |at: Instant| next = Some(next.map_or(at, |n: Instant| n.min(at)));
            if let Some(since) = self.closing {
                if !drained {
                    let at = since + self.close_timeout;
                    if now >= at {
                        return Poll::Ready(Event::Closed(libc::ETIMEDOUT));
                    }
                    consider(at);
                }
            } else {
                let last_io = self.last_read.max(self.last_write);
                for (timeout, last) in [
                    (self.keepalive, last_io),
                    (self.read_timeout, self.last_read),
                    (self.write_timeout, self.last_write),
                ] {
                    if let Some(t) = timeout {
                        if now >= last + t {
                            return Poll::Ready(Event::Closed(libc::ETIMEDOUT));
                        }
                        consider(last + t);
                    }
                }
                if let Some((interval, at, _)) = &mut self.heartbeat {
                    if now >= *at {
                        *at = now + *interval;
                        return Poll::Ready(Event::Heartbeat);
                    }
                    consider(*at);
                }
            }
            let Some(at) = next else {
                return Poll::Pending;
            };
            if self.timer_at != Some(at) {
                self.timer.as_mut().reset(at);
                self.timer_at = Some(at);
            }
            if self.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

fn errno(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(libc::EIO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_can_be_attached_after_the_attachment_was_released() {
        let ch = Channel::failed(-1, None, libc::ECONNREFUSED, EventLoop::new());
        assert!(ch.set_attachment(Box::new(1u8)).is_ok());
        assert!(
            ch.set_attachment(Box::new(2u8)).is_err(),
            "one attachment at a time"
        );
        ch.release_attachment();
        assert!(ch.with_attachment(|a| a.is_none()));
        let refused = ch.set_attachment(Box::new(3u8)).unwrap_err();
        assert_eq!(refused.downcast_ref::<u8>(), Some(&3));
        assert!(ch.with_attachment(|a| a.is_none()));
    }

    fn counting_handlers(
        on_message: impl Fn(&Arc<Channel>, &[u8]) + Send + Sync + 'static,
    ) -> Arc<Handlers> {
        Arc::new(Handlers::new(None, Some(Box::new(on_message)), None))
    }

    #[test]
    fn disarm_waits_for_a_callback_running_on_another_thread() {
        let ch = Channel::failed(-1, None, 0, EventLoop::new());
        let (started_tx, started) = std::sync::mpsc::channel();
        let finished = Arc::new(AtomicBool::new(false));
        let done = finished.clone();
        let handlers = counting_handlers(move |_, _| {
            started_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(50));
            done.store(true, Ordering::SeqCst);
        });
        let h = handlers.clone();
        let c = ch.clone();
        let caller = std::thread::spawn(move || h.message(&c, b"x"));
        started.recv().unwrap();
        handlers.disarm();
        assert!(
            finished.load(Ordering::SeqCst),
            "disarm returned while the callback ran"
        );
        caller.join().unwrap();
        handlers.message(&ch, b"y");
        assert_eq!(handlers.in_flight.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn disarm_inside_its_own_callback_returns_and_stops_later_ones() {
        let ch = Channel::failed(-1, None, 0, EventLoop::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let slot: Arc<Mutex<Option<Arc<Handlers>>>> = Arc::default();
        let (n, me) = (calls.clone(), slot.clone());
        let handlers = counting_handlers(move |_, _| {
            n.fetch_add(1, Ordering::SeqCst);
            let own = me.lock().unwrap().take();
            if let Some(h) = own {
                h.disarm();
            }
        });
        *slot.lock().unwrap() = Some(handlers.clone());
        handlers.message(&ch, b"first");
        handlers.message(&ch, b"second");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(Dispatching::current().handlers.is_null());
    }
}
