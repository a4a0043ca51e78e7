//! Strict HTTP/1 framing and the connection deadlines, in front of hyper.
//!
//! hyper is lenient where a front proxy and hv-rs could disagree about where a request ends
//! (bare LF, a `Host`-less HTTP/1.1 request, `Transfer-Encoding` in HTTP/1.0), answers some
//! limits by closing without a word, and allocates or waits on what a client merely declares.
//! [`Guard`] sits between the socket and hyper: it holds each request head back until it is
//! complete and valid (RFC 9112, the head limits of [`ServerOptions`]), then lets it through,
//! and follows the body's framing (Content-Length or chunk headers) as its bytes pass, so it
//! always knows where the next head starts (keep-alive, pipelining). hyper never sees bytes the
//! guard has not accepted.
//!
//! On a bad head the guard stops feeding hyper (hyper reads end of stream), hyper finishes the
//! responses already in flight, and when it shuts the connection down the guard writes its own
//! status response first. A body that breaks a limit or stalls ends the same way, except that
//! the request is already in hyper's hands: its handler learns the status from [`GuardLink`] and
//! answers it. The HTTP/2 preface (prior knowledge), h2 by ALPN and an accepted CONNECT turn
//! the guard into a plain pipe that only keeps the send deadline (and, for HTTP/2, the idle
//! one: hyper has none).

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll, Waker};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::h2_idle::H2Idle;
use super::head::{scan_head, Body, HeadScan};
use super::message::{reason, status_page};
use super::options::ServerOptions;

/// The HTTP/2 client preface: prior knowledge on a plain port, and the start of h2 by ALPN.
pub(super) const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// How much is read from the socket at a time for a head (most fit, and an allocation this
/// small is cheap; the buffer is given back while a connection idles) and for a body.
const HEAD_READ: usize = 1 << 10;
const BODY_READ: usize = 8 << 10;
/// How long, and how much, a refused client's remaining bytes are read and dropped after the
/// refusal went out: closing a socket with unread input sends a reset, which can destroy the
/// response before the client has read it.
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);
const LINGER_BYTES: usize = 1 << 20;
/// Hex digits of a chunk size: more than 16 cannot be a u64 (leading zeros included).
const MAX_CHUNK_DIGITS: u32 = 16;
/// A keep-alive connection idle this long parks: hyper's connection, with its buffers, is
/// dropped and the guard alone waits for the next request (`park.rs`). A client that comes back
/// sooner, as a busy one does, keeps its connection as it is; one that comes back later pays
/// for a new hyper connection (two buffers and its state), a few allocations after a pause of
/// half a second or more.
pub(super) const PARK_AFTER: std::time::Duration = std::time::Duration::from_millis(500);

/// What the guard of one connection and the handlers of its requests tell each other.
#[derive(Default)]
pub struct GuardLink {
    /// The status the request whose body the guard cut short must be answered with (0: none).
    refused: AtomicU16,
    /// A CONNECT's outcome (`None` while its handler decides) and the guard waiting for it.
    tunnel: Mutex<(Option<bool>, Option<Waker>)>,
    /// Requests being handled: an HTTP/2 connection is idle only without any.
    in_flight: AtomicUsize,
}

/// Counts a request as in flight while it lives.
pub struct Busy<'a>(&'a GuardLink);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl GuardLink {
    /// The status for a request whose body ended early because the guard refused it.
    pub fn refused(&self) -> Option<u16> {
        match self.refused.load(Ordering::Acquire) {
            0 => None,
            status => Some(status),
        }
    }

    pub fn busy(&self) -> Busy<'_> {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(self)
    }

    /// What becomes of a CONNECT the guard let through: whatever way its request ends (an
    /// answer, a refusal by the policy, a drop, a cancelled handler), the guard learns it when
    /// the decision is dropped, so the connection never waits for one that is not coming.
    pub fn connect_decision(self: &Arc<Self>) -> TunnelDecision {
        TunnelDecision {
            link: self.clone(),
            opened: false,
        }
    }

    /// Called with the answer to a CONNECT: `true` when the connection becomes a tunnel.
    fn decide_tunnel(&self, tunnel: bool) {
        let waker = {
            let mut t = self.tunnel.lock().unwrap_or_else(|p| p.into_inner());
            t.0 = Some(tunnel);
            t.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// A CONNECT's outcome for the guard: a tunnel only once `opened` is set.
pub struct TunnelDecision {
    link: Arc<GuardLink>,
    pub opened: bool,
}

impl Drop for TunnelDecision {
    fn drop(&mut self) {
        self.link.decide_tunnel(self.opened);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    Head,
    /// Body bytes of a Content-Length still to come.
    Length(u64),
    /// Chunk framing, with the sum of the chunk sizes so far.
    Chunked(Chunk, u64),
    /// A CONNECT was passed on; nothing more until its handler has decided.
    AwaitTunnel,
    Pipe,
    /// End of stream for hyper: the client closed, or the guard refused something.
    Closed,
    /// End of stream for hyper, which then drops its connection while the socket stays open
    /// for the next request ([`Guard::poll_wake`]).
    Parked,
}

#[derive(Clone, Copy, PartialEq)]
enum Chunk {
    Size {
        value: u64,
        digits: u32,
    },
    Ext {
        value: u64,
        line: usize,
    },
    SizeLf {
        value: u64,
    },
    Data(u64),
    DataCr,
    DataLf,
    /// A trailer line of `line` bytes so far, after `fields` complete ones.
    Trailer {
        line: usize,
        fields: usize,
    },
    TrailerLf {
        empty: bool,
        fields: usize,
    },
}

/// Which deadline the read timer is armed for.
#[derive(Clone, Copy, PartialEq)]
enum Wait {
    None,
    FirstByte,
    /// Idle between requests, parking after [`PARK_AFTER`].
    Park,
    KeepAlive,
    H2Idle,
    Head,
    Body,
}

pub struct Guard<I> {
    io: I,
    options: Arc<ServerOptions>,
    link: Arc<GuardLink>,
    /// `[start, ready)` is accepted and waits for hyper, `[ready, len)` is not yet judged.
    buf: Vec<u8>,
    start: usize,
    ready: usize,
    state: State,
    scan: HeadScan,
    /// Nothing has arrived yet: the first-byte deadline applies and the h2 preface may come.
    fresh: bool,
    timer: Pin<Box<Sleep>>,
    wait: Wait,
    /// When the keep-alive connection idle since [`Wait::Park`] was armed closes, parked or not.
    idle_until: Instant,
    /// Body bytes arrived since the body deadline was last armed.
    progressed: bool,
    send_timer: Option<Pin<Box<Sleep>>>,
    send_armed: bool,
    /// The response the guard writes before shutting the connection down, and how much is out.
    refusal: Option<(Vec<u8>, usize)>,
    /// Set once the connection speaks HTTP/2 (not for a CONNECT tunnel).
    h2: Option<H2Idle>,
    /// Something was refused: drain the client's input at shutdown (see [`LINGER`]).
    linger: bool,
    shut: bool,
    drained: usize,
}

impl<I> Guard<I> {
    /// `pipe`: the connection already speaks something else (h2 by ALPN).
    pub fn new(io: I, options: Arc<ServerOptions>, link: Arc<GuardLink>, pipe: bool) -> Self {
        Guard {
            io,
            options,
            link,
            buf: Vec::new(),
            start: 0,
            ready: 0,
            state: if pipe { State::Pipe } else { State::Head },
            scan: HeadScan::default(),
            fresh: true,
            timer: Box::pin(tokio::time::sleep_until(Instant::now())),
            wait: Wait::None,
            idle_until: Instant::now(),
            progressed: false,
            send_timer: None,
            send_armed: false,
            refusal: None,
            h2: pipe.then(H2Idle::new),
            linger: false,
            shut: false,
            drained: 0,
        }
    }

    pub(super) fn parked(&self) -> bool {
        self.state == State::Parked
    }

    /// Waits for a request with no use for hyper yet: parked, or new to HTTP/1 with nothing
    /// read, so a connection that never sends costs no hyper buffers either.
    pub(super) fn idle(&self) -> bool {
        self.parked() || (self.fresh && self.state == State::Head && self.buf.is_empty())
    }

    /// Refuses the head being read: nothing more for hyper, `status` written at shutdown.
    fn refuse_head(&mut self, status: u16) {
        let page = status_page(status);
        let mut out = format!(
            "HTTP/1.1 {status} {}\r\nServer: libhv\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            reason(status),
            page.len()
        )
        .into_bytes();
        out.extend_from_slice(page.as_bytes());
        self.refusal = Some((out, 0));
        self.linger = true;
        self.close();
    }

    /// Refuses the body being read: its handler answers `status`.
    fn refuse_body(&mut self, status: u16) {
        self.link.refused.store(status, Ordering::Release);
        self.linger = true;
        self.close();
    }

    fn close(&mut self) {
        self.state = State::Closed;
        self.buf.truncate(self.ready);
    }

    /// Judges the bytes in `[ready, len)` as far as they go.
    fn process(&mut self) {
        loop {
            let before = (self.ready, self.state);
            match self.state {
                State::Head => self.process_head(),
                State::Length(left) => {
                    let n = left.min((self.buf.len() - self.ready) as u64);
                    self.ready += n as usize;
                    self.state = if n == left {
                        State::Head
                    } else {
                        State::Length(left - n)
                    };
                }
                State::Chunked(c, total) => self.process_chunked(c, total),
                State::Pipe => self.ready = self.buf.len(),
                State::AwaitTunnel | State::Closed | State::Parked => return,
            }
            if before == (self.ready, self.state) {
                return;
            }
        }
    }

    fn process_head(&mut self) {
        let head = &self.buf[self.ready..];
        if self.fresh && !head.is_empty() {
            let n = head.len().min(PREFACE.len());
            if head[..n] == PREFACE[..n] {
                if n == PREFACE.len() {
                    self.state = State::Pipe;
                    self.h2 = Some(H2Idle::new());
                }
                return;
            }
        }
        let (end, h) = match scan_head(head, &mut self.scan, &self.options) {
            Err(status) => return self.refuse_head(status),
            Ok(None) => return,
            Ok(Some(done)) => done,
        };
        self.fresh = false;
        self.wait = Wait::None;
        self.scan = HeadScan::default();
        self.ready += end;
        self.state = match (h.connect, h.body) {
            (true, _) => {
                let mut t = self.link.tunnel.lock().unwrap_or_else(|p| p.into_inner());
                t.0 = None;
                State::AwaitTunnel
            }
            (false, Body::None) | (false, Body::Length(0)) => State::Head,
            (false, Body::Length(n)) => State::Length(n),
            (false, Body::Chunked) => State::Chunked(
                Chunk::Size {
                    value: 0,
                    digits: 0,
                },
                0,
            ),
        };
    }

    /// Follows chunk framing over `[ready, len)`: sizes are summed against `max_body` before
    /// their data is let through, and the syntax is strict (no whitespace, CRLF only).
    fn process_chunked(&mut self, mut c: Chunk, mut total: u64) {
        let (max_line, max_fields, max_body) = (
            self.options.max_header_field,
            self.options.max_headers,
            self.options.max_body,
        );
        let len = self.buf.len();
        while self.ready < len {
            let b = self.buf[self.ready];
            let mut step = 1;
            let next = match c {
                Chunk::Data(left) => {
                    let n = left.min((len - self.ready) as u64);
                    step = n as usize;
                    self.progressed = true;
                    Ok(if n == left {
                        Chunk::DataCr
                    } else {
                        Chunk::Data(left - n)
                    })
                }
                Chunk::DataCr if b == b'\r' => Ok(Chunk::DataLf),
                Chunk::DataLf if b == b'\n' => Ok(Chunk::Size {
                    value: 0,
                    digits: 0,
                }),
                Chunk::Size { value, digits } => match (b as char).to_digit(16) {
                    Some(_) if digits == MAX_CHUNK_DIGITS => Err(413),
                    Some(d) => {
                        let value = value * 16 + u64::from(d);
                        if value > max_body.saturating_sub(total) {
                            Err(413)
                        } else {
                            Ok(Chunk::Size {
                                value,
                                digits: digits + 1,
                            })
                        }
                    }
                    None if digits > 0 && b == b';' => Ok(Chunk::Ext {
                        value,
                        line: digits as usize,
                    }),
                    None if digits > 0 && b == b'\r' => Ok(Chunk::SizeLf { value }),
                    None => Err(400),
                },
                Chunk::Ext { value, line } => match b {
                    b'\r' => Ok(Chunk::SizeLf { value }),
                    _ if line >= max_line => Err(400),
                    b'\t' => Ok(Chunk::Ext {
                        value,
                        line: line + 1,
                    }),
                    0..=0x1f | 0x7f => Err(400),
                    _ => Ok(Chunk::Ext {
                        value,
                        line: line + 1,
                    }),
                },
                Chunk::SizeLf { value } if b == b'\n' => {
                    total += value;
                    Ok(if value == 0 {
                        Chunk::Trailer { line: 0, fields: 0 }
                    } else {
                        Chunk::Data(value)
                    })
                }
                Chunk::Trailer { line, fields } => match b {
                    b'\r' => Ok(Chunk::TrailerLf {
                        empty: line == 0,
                        fields,
                    }),
                    b' ' | b'\t' if line == 0 => Err(400),
                    _ if line >= max_line || fields >= max_fields => Err(431),
                    b'\t' => Ok(Chunk::Trailer {
                        line: line + 1,
                        fields,
                    }),
                    0..=0x1f | 0x7f => Err(400),
                    _ => Ok(Chunk::Trailer {
                        line: line + 1,
                        fields,
                    }),
                },
                Chunk::TrailerLf { empty: true, .. } if b == b'\n' => {
                    self.ready += 1;
                    self.state = State::Head;
                    return;
                }
                Chunk::TrailerLf { fields, .. } if b == b'\n' => Ok(Chunk::Trailer {
                    line: 0,
                    fields: fields + 1,
                }),
                Chunk::DataCr | Chunk::DataLf | Chunk::SizeLf { .. } | Chunk::TrailerLf { .. } => {
                    Err(400)
                }
            };
            match next {
                Ok(n) => {
                    c = n;
                    self.ready += step;
                }
                Err(status) => return self.refuse_body(status),
            }
        }
        self.state = State::Chunked(c, total);
    }
}

impl<I: AsyncRead + Unpin> Guard<I> {
    /// A connection waiting for its next request holds no buffer (`fill_empty`).
    fn release_buffer(&mut self) {
        if self.start == self.buf.len() {
            self.buf = Vec::new();
            (self.start, self.ready) = (0, 0);
        }
    }

    /// The deadline for the wait hyper is about to start, armed unless already running.
    fn arm(&mut self) {
        let (wait, after) = match self.state {
            State::Head if self.ready == self.buf.len() && self.fresh => {
                (Wait::FirstByte, self.options.first_byte_timeout)
            }
            // hyper (with half-close) asks for a head only once the last response is out.
            State::Head if self.ready == self.buf.len() => {
                match self.options.keepalive_timeout {
                    // Once parking was put off (`timed_out`), the deadline stays where it was.
                    // The buffer stays for a client that comes back soon and goes when the
                    // connection parks.
                    idle if idle > PARK_AFTER && self.wait != Wait::KeepAlive => {
                        (Wait::Park, PARK_AFTER)
                    }
                    idle => {
                        self.release_buffer();
                        (Wait::KeepAlive, idle)
                    }
                }
            }
            State::Head => (Wait::Head, self.options.head_timeout),
            State::Length(_) | State::Chunked(..) => (Wait::Body, self.options.body_timeout),
            _ => (Wait::None, Default::default()),
        };
        if wait != self.wait || (wait == Wait::Body && self.progressed) {
            self.wait = wait;
            self.progressed = false;
            if wait != Wait::None {
                let now = Instant::now();
                if wait == Wait::Park {
                    self.idle_until = now + self.options.keepalive_timeout;
                }
                self.timer.as_mut().reset(now + after);
            }
        }
    }

    /// The armed deadline has passed: the connection is refused or closed as it says.
    fn timed_out(&mut self, cx: &mut Context<'_>) -> bool {
        if self.wait == Wait::None || self.timer.as_mut().poll(cx).is_pending() {
            return false;
        }
        match self.wait {
            Wait::Head => self.refuse_head(408),
            Wait::Body => self.refuse_body(408),
            Wait::Park => {
                self.wait = Wait::KeepAlive;
                self.timer.as_mut().reset(self.idle_until);
                // A response hyper could not send yet would be lost with its connection.
                if self.send_armed {
                    return self.timed_out(cx);
                }
                self.state = State::Parked;
                self.release_buffer();
            }
            _ => self.close(),
        }
        true
    }

    /// Waits, [`idle`](Self::idle), for the next request: `Ready(true)` once its first bytes
    /// are in, for a new hyper connection to read; `Ready(false)` when the client leaves or the
    /// deadline (first byte, keep-alive) passes, and the connection is to be shut down.
    pub(super) fn poll_wake(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        if self.fresh {
            self.arm();
        }
        match self.fill_empty(cx) {
            Poll::Ready(Ok(true)) => {
                self.state = State::Head;
                self.wait = Wait::None;
                Poll::Ready(true)
            }
            Poll::Ready(_) => {
                self.state = State::Closed;
                Poll::Ready(false)
            }
            Poll::Pending => {
                ready!(self.timer.as_mut().poll(cx));
                self.state = State::Closed;
                Poll::Ready(false)
            }
        }
    }

    /// `fill` while waiting for a head with no buffer: reads onto the stack and allocates only
    /// for what arrived, so a keep-alive connection waiting for its next request holds none.
    fn fill_empty(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        let mut probe = [std::mem::MaybeUninit::<u8>::uninit(); HEAD_READ];
        let mut rb = ReadBuf::uninit(&mut probe);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut rb))?;
        let got = rb.filled();
        if !got.is_empty() {
            self.buf.reserve(HEAD_READ);
            self.buf.extend_from_slice(got);
        }
        Poll::Ready(Ok(!got.is_empty()))
    }

    /// Reads more from the socket into `buf`; `Ready(true)` when something arrived.
    fn fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
            self.ready = 0;
        }
        let want = match self.state {
            State::Head => HEAD_READ,
            _ => BODY_READ,
        };
        if self.buf.capacity() == 0 && want == HEAD_READ {
            return self.fill_empty(cx);
        }
        if self.start > 0 && self.buf.capacity() - self.buf.len() < want {
            self.buf.drain(..self.start);
            self.ready -= self.start;
            self.start = 0;
        }
        self.buf.reserve(want);
        let spare = self.buf.spare_capacity_mut();
        let mut rb = ReadBuf::uninit(spare);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut rb))?;
        let n = rb.filled().len();
        let len = self.buf.len();
        // SAFETY: the read initialised the first `n` bytes of the spare capacity (`ReadBuf`
        // only counts bytes it was given as filled), so they are part of the vector now.
        unsafe { self.buf.set_len(len + n) };
        if matches!(self.state, State::Length(_) | State::Chunked(..)) && n > 0 {
            self.progressed = true;
        }
        Poll::Ready(Ok(n > 0))
    }
}

impl<I> Guard<I> {
    /// A read passed straight through; for HTTP/2 also the idle deadline: `keepalive_timeout`
    /// without frames either way (PINGs aside) and without a request in flight, then end of
    /// stream.
    fn piped(
        &mut self,
        cx: &mut Context<'_>,
        got: &[u8],
        p: Poll<io::Result<()>>,
    ) -> Poll<io::Result<()>> {
        let Some(h2) = self.h2.as_mut() else {
            return p;
        };
        if p.is_ready() {
            if h2.inbound.walk(got) {
                h2.last = Instant::now();
            }
            return p;
        }
        let idle = self.options.keepalive_timeout;
        if self.wait != Wait::H2Idle {
            self.wait = Wait::H2Idle;
            self.timer.as_mut().reset(h2.last + idle);
        }
        while self.timer.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            if self.link.in_flight.load(Ordering::Acquire) > 0 {
                h2.last = now;
            }
            if h2.last + idle > now {
                self.timer.as_mut().reset(h2.last + idle);
                continue;
            }
            self.state = State::Closed;
            return Poll::Ready(Ok(()));
        }
        Poll::Pending
    }

    /// `n` bytes of `bufs` went out: HTTP/2 traffic out keeps the connection from being idle.
    fn wrote(&mut self, bufs: &[IoSlice<'_>], mut n: usize) {
        let Some(h2) = self.h2.as_mut() else { return };
        let mut active = false;
        for b in bufs {
            if n == 0 {
                break;
            }
            let k = b.len().min(n);
            active |= h2.outbound.walk(&b[..k]);
            n -= k;
        }
        if active {
            h2.last = Instant::now();
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for Guard<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        loop {
            if me.start < me.ready {
                let n = (me.ready - me.start).min(out.remaining());
                let delivered = &me.buf[me.start..me.start + n];
                if let Some(h2) = me.h2.as_mut() {
                    if h2.inbound.walk(delivered) {
                        h2.last = Instant::now();
                    }
                }
                out.put_slice(delivered);
                me.start += n;
                return Poll::Ready(Ok(()));
            }
            match me.state {
                State::Closed | State::Parked => return Poll::Ready(Ok(())),
                State::Pipe if me.start == me.buf.len() => {
                    let before = out.filled().len();
                    let p = Pin::new(&mut me.io).poll_read(cx, out);
                    return me.piped(cx, &out.filled()[before..], p);
                }
                // A Content-Length body goes straight into hyper's buffer, never past its end.
                State::Length(left) if me.start == me.buf.len() && out.remaining() > 0 => {
                    me.arm();
                    let n =
                        usize::try_from(left).map_or(out.remaining(), |l| l.min(out.remaining()));
                    let mut body = out.take(n);
                    match Pin::new(&mut me.io).poll_read(cx, &mut body) {
                        Poll::Ready(Ok(())) if body.filled().is_empty() => me.close(),
                        Poll::Ready(Ok(())) => {
                            let k = body.filled().len();
                            // SAFETY: `body` views the start of `out`'s unfilled part, and the
                            // read filled (so initialised) its first `k` bytes.
                            unsafe { out.assume_init(k) };
                            out.advance(k);
                            me.progressed = true;
                            let left = left - k as u64;
                            me.state = if left == 0 {
                                State::Head
                            } else {
                                State::Length(left)
                            };
                            return Poll::Ready(Ok(()));
                        }
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Pending if me.timed_out(cx) => {}
                        Poll::Pending => return Poll::Pending,
                    }
                    continue;
                }
                State::AwaitTunnel => {
                    let mut t = me.link.tunnel.lock().unwrap_or_else(|p| p.into_inner());
                    match t.0 {
                        None => {
                            t.1 = Some(cx.waker().clone());
                            return Poll::Pending;
                        }
                        Some(tunnel) => {
                            drop(t);
                            me.state = if tunnel { State::Pipe } else { State::Head };
                        }
                    }
                }
                _ => {}
            }
            me.process();
            if me.start < me.ready
                || matches!(me.state, State::Closed | State::Parked | State::AwaitTunnel)
            {
                continue;
            }
            me.arm();
            match me.fill(cx) {
                Poll::Ready(Ok(true)) => continue,
                Poll::Ready(Ok(false)) => me.close(),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending if me.timed_out(cx) => {}
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<I: AsyncWrite + Unpin> Guard<I> {
    /// A write that made no progress: pending until the send deadline, then an error.
    fn stalled<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let deadline = Instant::now() + self.options.send_timeout;
        let timer = self
            .send_timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if !self.send_armed {
            self.send_armed = true;
            timer.as_mut().reset(deadline);
        }
        ready!(timer.as_mut().poll(cx));
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client stopped reading",
        )))
    }

    fn sent<T>(&mut self, cx: &mut Context<'_>, p: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match p {
            Poll::Ready(r) => {
                self.send_armed = false;
                Poll::Ready(r)
            }
            Poll::Pending => self.stalled(cx),
        }
    }
}

impl<I: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Guard<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let p = Pin::new(&mut me.io).poll_write(cx, buf);
        let n = ready!(me.sent(cx, p))?;
        me.wrote(&[IoSlice::new(buf)], n);
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let p = Pin::new(&mut me.io).poll_write_vectored(cx, bufs);
        let n = ready!(me.sent(cx, p))?;
        me.wrote(bufs, n);
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        let p = Pin::new(&mut me.io).poll_flush(cx);
        me.sent(cx, p)
    }

    /// Writes the guard's own refusal, if any, before the connection goes down; a parked
    /// connection stays up.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        if me.state == State::Parked {
            return Poll::Ready(Ok(()));
        }
        if let Some((out, mut done)) = me.refusal.take() {
            while done < out.len() {
                let p = Pin::new(&mut me.io).poll_write(cx, &out[done..]);
                match me.sent(cx, p) {
                    Poll::Pending => {
                        me.refusal = Some((out, done));
                        return Poll::Pending;
                    }
                    Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                    Poll::Ready(Ok(n)) => done += n,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                }
            }
            let p = Pin::new(&mut me.io).poll_flush(cx);
            if me.sent(cx, p)?.is_pending() {
                me.refusal = Some((out, done));
                return Poll::Pending;
            }
        }
        if !me.shut {
            // Over TLS this writes close_notify, which a client that stopped reading would hold
            // up for ever but for the send deadline.
            let p = Pin::new(&mut me.io).poll_shutdown(cx);
            ready!(me.sent(cx, p))?;
            me.shut = true;
            me.timer.as_mut().reset(Instant::now() + LINGER);
        }
        let mut scratch = [0u8; 4096];
        while me.linger && me.drained < LINGER_BYTES && me.timer.as_mut().poll(cx).is_pending() {
            let mut rb = ReadBuf::new(&mut scratch);
            match ready!(Pin::new(&mut me.io).poll_read(cx, &mut rb)) {
                Ok(()) if !rb.filled().is_empty() => me.drained += rb.filled().len(),
                _ => break,
            }
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knobs::Knobs;

    /// Feeds `input` to a guard `step` bytes at a time; returns how much it let through and
    /// the refusal (the guard's own status, or the one left for the handler).
    fn feed(input: &[u8], step: usize) -> (usize, Option<u16>) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let _enter = rt.enter();
        let link = Arc::new(GuardLink::default());
        let mut g = Guard::new((), Arc::new(ServerOptions::defaults()), link.clone(), false);
        for part in input.chunks(step) {
            g.buf.extend_from_slice(part);
            g.process();
            if g.state == State::Closed {
                break;
            }
        }
        let status = g
            .refusal
            .as_ref()
            .map(|(out, _)| std::str::from_utf8(&out[9..12]).unwrap().parse().unwrap())
            .or_else(|| link.refused());
        (g.ready, status)
    }

    const GOOD: &[u8] = b"\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n\
        POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc\
        POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n\
        3;ext=1\r\nabc\r\n00a\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n\
        GET /d HTTP/1.0\r\n\r\n";

    #[test]
    fn every_split_of_a_good_stream_is_let_through_whole() {
        for step in [1, 2, 7, 64, GOOD.len()] {
            assert_eq!(feed(GOOD, step), (GOOD.len(), None), "step {step}");
        }
    }

    #[test]
    fn a_bad_chunk_stops_at_the_last_good_byte() {
        let head = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (body, status, good) in [
            (&b"3\r\nabcX"[..], 400, 6),
            (b"3 \r\nabc\r\n", 400, 1),
            (b"1000001\r\n", 413, 6),
            (b"00000000000000001\r\n", 413, 16),
            (b"3\nabc", 400, 1),
            (b"0\r\n x: y\r\n\r\n", 400, 3),
        ] {
            let input = [&head[..], body].concat();
            for step in [1, input.len()] {
                assert_eq!(
                    feed(&input, step),
                    (head.len() + good, Some(status)),
                    "{:?} by {step}",
                    String::from_utf8_lossy(body)
                );
            }
        }
    }
}
