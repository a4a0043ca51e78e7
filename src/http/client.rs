//! A small HTTP/1.1 client for `requests.h` / `HttpClient`: one request per connection, run on
//! a shared client loop thread, answered synchronously (to a blocked caller) or through a
//! callback on that loop. With a stream sink (libhv's `http_cb`) the answer's body is handed
//! over as it arrives instead of being collected, so a download of any size uses bounded memory.

use std::sync::{mpsc, Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HeaderValue, CONNECTION, HOST};
use hyper::{HeaderMap, Method, Uri};
use hyper_util::rt::TokioIo;

use super::message::Response;
use super::proxy::connect;
use super::upload::FileSource;
use crate::error::{Error, Result};
use crate::event_loop::LoopThread;

/// Answers larger than this are refused rather than held in memory.
const MAX_RESPONSE_BODY: usize = 64 << 20;

/// What a stream sink receives, in this order: the head once, the body in pieces as they
/// arrive, then the end (only if the whole body arrived). A chunked HTTP/1.1 answer also
/// brackets each piece with `ChunkHeader(piece length)` and `ChunkComplete`, and ends with
/// `ChunkHeader(0)`, `ChunkComplete` (its last chunk), as libhv's parser reports chunks; a
/// chunk the peer sent larger than one read arrives as several pieces.
pub enum StreamEvent<'a> {
    Head(&'a Response),
    ChunkHeader(usize),
    Body(&'a [u8]),
    ChunkComplete,
    Complete,
}

/// Runs on the client loop thread for each event of one answer.
pub type StreamSink = Arc<dyn Fn(StreamEvent<'_>) + Send + Sync>;

#[derive(Clone)]
pub struct ClientRequest {
    pub method: Method,
    pub url: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The whole exchange, connect included.
    pub timeout: Duration,
    /// When set, the body goes here as it arrives and the answer comes back without one.
    pub stream: Option<StreamSink>,
    /// When set, the body is this file's contents (and `body` is ignored).
    pub body_file: Option<FileSource>,
}

impl ClientRequest {
    pub fn new(method: Method, url: &str) -> Self {
        ClientRequest {
            method,
            url: url.to_owned(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            timeout: Duration::from_secs(60),
            stream: None,
            body_file: None,
        }
    }
}

pub type ResponseCallback = Box<dyn FnOnce(Result<Response>) + Send>;

fn client_loop() -> &'static LoopThread {
    static LOOP: OnceLock<LoopThread> = OnceLock::new();
    LOOP.get_or_init(|| {
        let t = LoopThread::new(None);
        if let Err(e) = t.start(true, None, None) {
            crate::hv_log!(crate::log::LEVEL_ERROR, "HTTP client loop: {e}");
        }
        t
    })
}

async fn fetch(req: ClientRequest) -> Result<Response> {
    let uri: Uri = req
        .url
        .parse()
        .map_err(|e| Error::InvalidArgument(format!("bad url {:?}: {e}", req.url)))?;
    let exchange = async {
        let io = connect(&uri, req.timeout).await?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| Error::io("HTTP handshake", std::io::Error::other(e)))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let mut headers = req.headers;
        if !headers.contains_key(HOST) {
            if let Some(v) = uri
                .authority()
                .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
            {
                headers.insert(HOST, v);
            }
        }
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
        let body = match &req.body_file {
            Some(source) => {
                let file = source.open().await?;
                headers.insert(hyper::header::CONTENT_LENGTH, HeaderValue::from(file.len()));
                file.boxed()
            }
            None => Full::new(req.body).map_err(|never| match never {}).boxed(),
        };
        let mut out = hyper::Request::new(body);
        *out.method_mut() = req.method;
        *out.uri_mut() = uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .parse()
            .unwrap_or_default();
        *out.headers_mut() = headers;
        let resp = sender
            .send_request(out)
            .await
            .map_err(|e| Error::io("HTTP request", std::io::Error::other(e)))?;
        let (parts, mut body) = resp.into_parts();
        let mut answer = Response::default();
        answer.status = parts.status.as_u16();
        answer.headers = parts.headers;
        let Some(sink) = req.stream else {
            answer.body = Limited::new(body, MAX_RESPONSE_BODY)
                .collect()
                .await
                .map_err(|e| Error::OverLimit(format!("response body: {e}")))?
                .to_bytes()
                .to_vec();
            return Ok(answer);
        };
        let chunked = parts.version < hyper::Version::HTTP_2
            && answer
                .headers
                .get_all(hyper::header::TRANSFER_ENCODING)
                .iter()
                .any(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"));
        sink(StreamEvent::Head(&answer));
        while let Some(frame) = body.frame().await {
            let frame =
                frame.map_err(|e| Error::io("HTTP response body", std::io::Error::other(e)))?;
            match frame.data_ref() {
                Some(data) if chunked => {
                    sink(StreamEvent::ChunkHeader(data.len()));
                    sink(StreamEvent::Body(data));
                    sink(StreamEvent::ChunkComplete);
                }
                Some(data) => sink(StreamEvent::Body(data)),
                None => {}
            }
        }
        if chunked {
            sink(StreamEvent::ChunkHeader(0));
            sink(StreamEvent::ChunkComplete);
        }
        sink(StreamEvent::Complete);
        Ok(answer)
    };
    tokio::time::timeout(req.timeout, exchange)
        .await
        .map_err(|_| Error::io("HTTP request", std::io::ErrorKind::TimedOut.into()))?
}

/// Runs `req`; `done` gets the answer on the client loop thread.
pub fn send_async(req: ClientRequest, done: ResponseCallback) {
    client_loop().event_loop().queue_in_loop(Box::new(move || {
        tokio::spawn(async move { done(fetch(req).await) });
    }));
}

/// Runs `req` and blocks until it is answered. Not from the client loop itself.
pub fn send(req: ClientRequest) -> Result<Response> {
    if client_loop().event_loop().is_in_loop_thread() {
        return Err(Error::State(
            "a blocking request from the HTTP client's own loop would never finish",
        ));
    }
    let (tx, rx) = mpsc::channel();
    send_async(
        req,
        Box::new(move |r| {
            let _ = tx.send(r);
        }),
    );
    rx.recv().map_err(|_| Error::Closed)?
}
