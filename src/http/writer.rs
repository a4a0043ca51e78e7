//! `HttpResponseWriter`: answers a request later, from any thread, whole or streamed.
//!
//! Until the head is sent, status, headers and body are buffered. `end_headers` (or the first
//! streamed write) sends the head with a body that follows as chunks; `end` finishes either way.
//! A writer dropped without `end` finishes the response with what it has, so a forgetful
//! handler never leaves a client hanging or a connection leaking.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use hyper::Response as WireResponse;
use tokio::io::AsyncRead;
use tokio::sync::{mpsc, oneshot};

use super::message::Response;
use crate::error::{Error, Result};

/// Streamed bytes a writer may queue ahead of a slow client (libhv's write buffer limit).
const MAX_QUEUED: usize = 16 << 20;
/// How much of a file is read per body frame.
const FILE_CHUNK: usize = 64 << 10;

/// The body type of every response: complete bytes, chunks fed by a writer, or a file read as
/// the client takes it (hyper polls the next chunk only once the previous one is sent).
pub enum ResponseBody {
    Full(Option<Bytes>),
    Stream(mpsc::UnboundedReceiver<Bytes>, Arc<AtomicUsize>),
    File {
        file: tokio::fs::File,
        remaining: u64,
        buf: Vec<u8>,
    },
    /// A proxied answer, passed on as the upstream sends it.
    Upstream(hyper::body::Incoming),
}

impl ResponseBody {
    pub(crate) fn file(body: super::static_files::FileBody) -> Self {
        ResponseBody::File {
            file: tokio::fs::File::from_std(body.file),
            remaining: body.len,
            buf: vec![0; FILE_CHUNK.min(usize::try_from(body.len).unwrap_or(FILE_CHUNK))],
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::io::Result<Frame<Bytes>>>> {
        match self.get_mut() {
            ResponseBody::Upstream(body) => Pin::new(body)
                .poll_frame(cx)
                .map(|frame| frame.map(|f| f.map_err(std::io::Error::other))),
            ResponseBody::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            ResponseBody::Stream(rx, queued) => rx.poll_recv(cx).map(|chunk| {
                chunk.map(|c| {
                    queued.fetch_sub(c.len(), Ordering::AcqRel);
                    Ok(Frame::data(c))
                })
            }),
            ResponseBody::File {
                file,
                remaining,
                buf,
            } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let want = buf
                    .len()
                    .min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                let mut rb = tokio::io::ReadBuf::new(&mut buf[..want]);
                match Pin::new(file).poll_read(cx, &mut rb) {
                    Poll::Ready(Ok(())) if rb.filled().is_empty() => {
                        Poll::Ready(Some(Err(std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "file shrank while being sent",
                        ))))
                    }
                    Poll::Ready(Ok(())) => {
                        *remaining -= rb.filled().len() as u64;
                        Poll::Ready(Some(Ok(Frame::data(Bytes::copy_from_slice(rb.filled())))))
                    }
                    Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResponseBody::Upstream(body) => body.is_end_stream(),
            other => matches!(
                other,
                ResponseBody::Full(None) | ResponseBody::File { remaining: 0, .. }
            ),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResponseBody::Upstream(body) => body.size_hint(),
            ResponseBody::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            ResponseBody::Full(None) => SizeHint::with_exact(0),
            ResponseBody::Stream(..) => SizeHint::default(),
            ResponseBody::File { remaining, .. } => SizeHint::with_exact(*remaining),
        }
    }
}

/// The wire response (hyper's type, renamed so it is not confused with `message::Response`).
pub(crate) type HttpResponse = WireResponse<ResponseBody>;

/// Builds the wire response from a handler's `Response`.
pub(crate) fn into_hyper(resp: Response, body: ResponseBody) -> HttpResponse {
    let mut out = WireResponse::new(body);
    *out.status_mut() = hyper::StatusCode::from_u16(resp.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    *out.headers_mut() = resp.headers;
    out
}

enum Phase {
    /// Nothing sent: the buffered response goes out whole at `end`.
    Buffering(oneshot::Sender<HttpResponse>),
    /// The head is out; body chunks follow (`queued` bytes not yet taken by the connection).
    Streaming(mpsc::UnboundedSender<Bytes>, Arc<AtomicUsize>),
    Done,
}

pub struct Writer {
    state: Mutex<(Phase, Response)>,
    started: AtomicBool,
}

impl Writer {
    pub(crate) fn new(tx: oneshot::Sender<HttpResponse>) -> Arc<Self> {
        Arc::new(Writer {
            state: Mutex::new((Phase::Buffering(tx), Response::default())),
            started: AtomicBool::new(false),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Phase, Response)> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True once the head has been sent (or the response finished).
    pub fn is_started(&self) -> bool {
        self.started.load(Ordering::Acquire)
    }

    /// True while the client can still receive (the response is not finished, the peer is there).
    pub fn is_connected(&self) -> bool {
        match &self.lock().0 {
            Phase::Buffering(tx) => !tx.is_closed(),
            Phase::Streaming(tx, _) => !tx.is_closed(),
            Phase::Done => false,
        }
    }

    fn buffered(&self, f: impl FnOnce(&mut Response) -> Result<()>) -> Result<()> {
        let mut state = self.lock();
        match state.0 {
            Phase::Buffering(_) => f(&mut state.1),
            _ => Err(Error::State("the response head was already sent")),
        }
    }

    pub fn set_status(&self, status: i32) -> Result<()> {
        self.buffered(|r| r.set_status(status))
    }

    pub fn set_header(&self, name: &str, value: &[u8]) -> Result<()> {
        self.buffered(|r| r.set_header(name, value))
    }

    pub fn add_header(&self, name: &str, value: &[u8]) -> Result<()> {
        self.buffered(|r| r.add_header(name, value))
    }

    pub fn clear_headers(&self) -> Result<()> {
        self.buffered(|r| {
            r.clear_headers();
            Ok(())
        })
    }

    /// Copies headers the pipeline set before the handler ran (preprocessor, middleware) into
    /// the writer's response, so an answer sent later carries them as libhv's does.
    pub(crate) fn seed_headers(&self, headers: &hyper::HeaderMap) {
        let mut state = self.lock();
        if let (Phase::Buffering(_), resp) = &mut *state {
            for (name, value) in headers {
                if !resp.headers.contains_key(name) {
                    resp.headers.append(name.clone(), value.clone());
                }
            }
        }
    }

    /// Replaces everything buffered with `resp` (the C++ headers hand over their response).
    pub fn set_response(&self, resp: Response) -> Result<()> {
        self.buffered(|r| {
            *r = resp;
            Ok(())
        })
    }

    /// Sends the head now; the body follows in chunks, or framed by a `Content-Length` header the
    /// caller set (which the body must then match). No-op once sent.
    pub fn end_headers(&self) -> Result<()> {
        let mut state = self.lock();
        let (phase, resp) = &mut *state;
        if !matches!(phase, Phase::Buffering(_)) {
            return Ok(());
        }
        let Phase::Buffering(tx) = std::mem::replace(phase, Phase::Done) else {
            unreachable!("checked above");
        };
        let (body_tx, body_rx) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let mut head = std::mem::take(resp);
        let pending = std::mem::take(&mut head.body);
        if !pending.is_empty() {
            queued.fetch_add(pending.len(), Ordering::AcqRel);
            let _ = body_tx.send(Bytes::from(pending));
        }
        self.started.store(true, Ordering::Release);
        if tx
            .send(into_hyper(
                head,
                ResponseBody::Stream(body_rx, queued.clone()),
            ))
            .is_err()
        {
            return Err(Error::Closed);
        }
        *phase = Phase::Streaming(body_tx, queued);
        Ok(())
    }

    /// Buffers `data` before the head is sent, streams it after.
    pub fn write(&self, data: &[u8]) -> Result<()> {
        let mut state = self.lock();
        match &state.0 {
            Phase::Buffering(_) => {
                state.1.body.extend_from_slice(data);
                Ok(())
            }
            Phase::Streaming(tx, queued) => {
                // A client that does not read must not make the server buffer without end.
                if queued.load(Ordering::Acquire) + data.len() > MAX_QUEUED {
                    return Err(Error::OverLimit(format!(
                        "{MAX_QUEUED} bytes queued for a slow client"
                    )));
                }
                queued.fetch_add(data.len(), Ordering::AcqRel);
                tx.send(Bytes::copy_from_slice(data))
                    .map_err(|_| Error::Closed)
            }
            Phase::Done => Err(Error::Closed),
        }
    }

    /// Finishes the response (idempotent): whole if nothing was sent yet, else the stream ends.
    pub fn end(&self) -> Result<()> {
        let mut state = self.lock();
        let (phase, resp) = &mut *state;
        match std::mem::replace(phase, Phase::Done) {
            Phase::Buffering(tx) => {
                self.started.store(true, Ordering::Release);
                let mut resp = std::mem::take(resp);
                let body = Bytes::from(std::mem::take(&mut resp.body));
                tx.send(into_hyper(resp, ResponseBody::Full(Some(body))))
                    .map_err(|_| Error::Closed)
            }
            Phase::Streaming(..) | Phase::Done => Ok(()),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.end();
    }
}

impl Writer {
    /// Gives up the writer without answering: the server answers from the handler's response.
    pub(crate) fn abandon(&self) {
        self.lock().0 = Phase::Done;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_to_a_client_that_does_not_read_is_bounded() {
        let (tx, rx) = oneshot::channel();
        let writer = Writer::new(tx);
        writer.end_headers().unwrap();
        let _response_kept_but_never_read = rx;
        let chunk = vec![0u8; 1 << 20];
        let accepted = (0..32).take_while(|_| writer.write(&chunk).is_ok()).count();
        assert_eq!(accepted, 16, "16 MiB queued, then writes fail");
        assert!(matches!(writer.write(&chunk), Err(Error::OverLimit(_))));
    }

    #[test]
    fn end_is_idempotent_and_a_dropped_writer_answers() {
        let (tx, mut rx) = oneshot::channel();
        let writer = Writer::new(tx);
        writer.set_status(201).unwrap();
        writer.write(b"made").unwrap();
        drop(writer);
        let resp = rx.try_recv().expect("answered on drop");
        assert_eq!(resp.status(), 201);
    }
}
