//! Idle keep-alive connections without hyper's buffers.
//!
//! A hyper HTTP/1 connection keeps its read and write buffers (8 KiB or more each) and its
//! state for as long as it lives, which made an idle keep-alive connection cost about 23 KiB
//! where libhv's costs 3.4. So hyper's connection lives only while requests come: once one has
//! been idle for [`PARK_AFTER`](super::guard::PARK_AFTER), the guard ends its stream, hyper
//! finishes and drops everything it holds, and the guard, handed back through [`Lent`], waits
//! alone for the next request ([`Guard::poll_wake`]), which a new hyper connection then serves.
//! A new HTTP/1 connection waits the same way for its first bytes, so one that never sends
//! (a scanner's, a browser's spare) costs no hyper buffers either. HTTP/2, tunnels and
//! connections hyper closes itself never park.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::guard::Guard;

/// Where a parked guard goes when hyper drops its connection.
pub(super) type Home<I> = Arc<Mutex<Option<Box<Guard<I>>>>>;

/// The guard as the io of one hyper connection: when that connection drops it, a parked guard
/// goes back `home` and any other is dropped (closing the socket).
pub(super) struct Lent<I> {
    /// `None` only once dropped.
    guard: Option<Box<Guard<I>>>,
    home: Home<I>,
}

impl<I> Lent<I> {
    pub(super) fn new(guard: Box<Guard<I>>, home: Home<I>) -> Self {
        Lent {
            guard: Some(guard),
            home,
        }
    }

    fn guard(self: Pin<&mut Self>) -> Pin<&mut Guard<I>>
    where
        I: Unpin,
    {
        Pin::new(
            self.get_mut()
                .guard
                .as_deref_mut()
                .expect("a lent guard is there until dropped"),
        )
    }
}

impl<I> Drop for Lent<I> {
    fn drop(&mut self) {
        if let Some(guard) = self.guard.take().filter(|g| g.parked()) {
            *self.home.lock().unwrap_or_else(|p| p.into_inner()) = Some(guard);
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for Lent<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.guard().poll_read(cx, buf)
    }
}

impl<I: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Lent<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.guard().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.guard().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.guard.as_ref().is_some_and(|g| g.is_write_vectored())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.guard().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.guard().poll_shutdown(cx)
    }
}
