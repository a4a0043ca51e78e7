//! The PROXY protocol header (`tcp::proxy_header`), v1 text and v2 binary, read from a
//! connection that delivers the input in reads of arbitrary sizes.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use hv::tcp::proxy_header::read_proxy_header;
use tokio::io::{AsyncRead, ReadBuf};

use crate::Chunks;

/// A connection whose reads return at most the next chunk's length, never pending.
struct Connection<'a> {
    data: &'a [u8],
    read: usize,
    chunks: Chunks,
}

impl AsyncRead for Connection<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let chunk = self.chunks.next().unwrap_or(1);
        let n = chunk.min(buf.remaining()).min(self.data.len() - self.read);
        buf.put_slice(&self.data[self.read..self.read + n]);
        self.read += n;
        Poll::Ready(Ok(()))
    }
}

/// The header's outcome (the client, or the error's text) and the bytes it consumed.
fn read(data: &[u8], chunks: Chunks) -> (Result<Option<SocketAddr>, String>, usize) {
    let mut conn = Connection {
        data,
        read: 0,
        chunks,
    };
    let outcome = {
        let mut header = pin!(read_proxy_header(&mut conn));
        match header
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(r) => r.map_err(|e| e.to_string()),
            Poll::Pending => panic!("pending on a connection that is always ready"),
        }
    };
    (outcome, conn.read)
}

pub fn proxy_header(data: &[u8]) {
    let Some((&seed, stream)) = data.split_first() else {
        return;
    };
    let (outcome, consumed) = read(stream, Chunks::new(seed, usize::from(seed % 32)));
    assert!(consumed <= stream.len());
    if outcome.is_ok() {
        let header = &stream[..consumed];
        if header.starts_with(b"\r\n\r\n\0\r\nQUIT\n") {
            let len = usize::from(u16::from_be_bytes([header[14], header[15]]));
            assert_eq!(consumed, 16 + len, "a v2 header read past its length");
        } else {
            assert!(header.starts_with(b"PROXY "), "neither v1 nor v2 accepted");
            assert!(consumed <= 107, "a {consumed}-byte v1 line");
            let crlf = header.windows(2).position(|w| w == b"\r\n");
            assert_eq!(crlf, Some(consumed - 2), "a v1 line read past its CRLF");
        }
    }
    // The header alone decides, however its bytes arrive.
    let whole = read(stream, Chunks::new(0, 1 << 16));
    assert_eq!((outcome, consumed), whole);
}
