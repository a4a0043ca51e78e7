//! A TCP stream whose writes never raise SIGPIPE.
//!
//! tokio writes with `write`/`writev`, which raise SIGPIPE when the peer has gone; a C program
//! that did not ignore the signal (or set it back to its default after the library ignored it)
//! is then killed. Every socket the library writes to goes through this type instead, which
//! writes with `send`/`sendmsg` and `MSG_NOSIGNAL`: the write fails with EPIPE and nothing else.

use std::io::{self, IoSlice};
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

/// Linux's `IOV_MAX`: `sendmsg` takes at most this many buffers.
const MAX_IOVECS: usize = 1024;

pub struct NoSigpipeStream(TcpStream);

impl NoSigpipeStream {
    pub fn new(stream: TcpStream) -> Self {
        NoSigpipeStream(stream)
    }

    /// Retries `op` until the socket takes data or fails, waiting for writability in between.
    fn poll_send(
        &self,
        cx: &mut Context<'_>,
        mut op: impl FnMut(i32) -> isize,
    ) -> Poll<io::Result<usize>> {
        let fd = self.0.as_raw_fd();
        loop {
            ready!(self.0.poll_write_ready(cx))?;
            let sent = self.0.try_io(Interest::WRITABLE, || match op(fd) {
                n if n < 0 => Err(io::Error::last_os_error()),
                n => Ok(n as usize),
            });
            match sent {
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) => {}
                other => return Poll::Ready(other),
            }
        }
    }
}

impl AsyncRead for NoSigpipeStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for NoSigpipeStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_send(cx, |fd| {
            // SAFETY: `buf` is valid for reads of `buf.len()` bytes for the duration of the call.
            unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), libc::MSG_NOSIGNAL) }
        })
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let bufs = &bufs[..bufs.len().min(MAX_IOVECS)];
        self.poll_send(cx, |fd| {
            // SAFETY: `msghdr` is plain data; all-zero is a valid empty header.
            let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
            // `IoSlice` is guaranteed ABI-compatible with `iovec` on Unix; sendmsg only reads them.
            msg.msg_iov = bufs.as_ptr() as *mut libc::iovec;
            msg.msg_iovlen = bufs.len() as _;
            // SAFETY: `msg` points at `bufs.len()` valid iovecs that outlive the call.
            unsafe { libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL) }
        })
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}
