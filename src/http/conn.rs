//! One blocking HTTP/1.1 connection driven step by step by its caller: libhv's low-level
//! client calls (`connect`, `sendHeader`, `sendData`, `recvData`, `recvResponse`), which let
//! a program write a body piece by piece or read an answer as raw bytes. Writes never raise
//! SIGPIPE (`MSG_NOSIGNAL`); every read and write is bounded by the request's timeout.

use std::io::{Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

use hyper::header::{HeaderValue, CONTENT_LENGTH, HOST};
use hyper::{HeaderMap, Uri};
use socket2::Socket;

use super::client::ClientRequest;
use super::message::Response;
use super::parser::Parser;
use crate::error::{Error, Result};
use crate::tls::server_name;

/// Answers larger than this are refused rather than held in memory.
const MAX_RESPONSE_BODY: usize = 64 << 20;

/// A socket written with `MSG_NOSIGNAL`: a peer that hung up is an error, not a signal.
struct Plain(Socket);

impl Read for Plain {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        (&self.0).read(buf)
    }
}

impl Write for Plain {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.send_with_flags(buf, libc::MSG_NOSIGNAL)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

pub struct ClientConn {
    stream: Box<dyn Stream>,
    socket: Socket,
    fd: i32,
    /// Bytes read past the end of the last answer.
    pending: Vec<u8>,
    /// The last request was HEAD: its answer has no body whatever its headers say.
    head_only: bool,
}

fn resolve(host: &str, port: u16) -> Result<SocketAddr> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    (bare, port)
        .to_socket_addrs()
        .map_err(|e| Error::Resolve {
            host: host.to_owned(),
            reason: e.to_string(),
        })?
        .next()
        .ok_or_else(|| Error::Resolve {
            host: host.to_owned(),
            reason: "no address".into(),
        })
}

impl ClientConn {
    /// Connects (and with `https` completes a TLS handshake verifying `host` with the system's
    /// trust anchors), each step bounded by `timeout`.
    pub fn connect(host: &str, port: u16, https: bool, timeout: Duration) -> Result<ClientConn> {
        let context = || format!("connecting to {host}:{port}");
        let addr = resolve(host, port)?;
        let socket = Socket::new(
            socket2::Domain::for_address(addr),
            socket2::Type::STREAM,
            Some(socket2::Protocol::TCP),
        )
        .map_err(|e| Error::io(context(), e))?;
        socket
            .connect_timeout(&addr.into(), timeout)
            .map_err(|e| Error::io(context(), e))?;
        let _ = socket.set_nodelay(true);
        set_timeouts(&socket, timeout).map_err(|e| Error::io(context(), e))?;
        let fd = socket.as_raw_fd();
        let plain = Plain(socket.try_clone().map_err(|e| Error::io(context(), e))?);
        let stream: Box<dyn Stream> = if https {
            let config = super::proxy::https_config()?;
            let mut tls = rustls::ClientConnection::new(Arc::clone(&config), server_name(host)?)
                .map_err(|e| Error::TlsConfig(e.to_string()))?;
            let mut plain = plain;
            while tls.is_handshaking() {
                tls.complete_io(&mut plain)
                    .map_err(|e| Error::io(format!("TLS to {host}"), e))?;
            }
            Box::new(rustls::StreamOwned::new(tls, plain))
        } else {
            Box::new(plain)
        };
        Ok(ClientConn {
            stream,
            socket,
            fd,
            pending: Vec::new(),
            head_only: false,
        })
    }

    pub fn fd(&self) -> i32 {
        self.fd
    }

    /// Sends the request's head and whatever body it holds. A `Content-Length` the request
    /// carries is kept, so the rest of the body can follow through `send`; without one, the
    /// body held decides it.
    pub fn send_request(&mut self, req: &ClientRequest) -> Result<()> {
        if req.body_file.is_some() || req.stream.is_some() {
            return Err(Error::InvalidArgument(
                "a step-by-step connection sends the body with send and reads the answer itself: \
                 a file body or a stream callback is not for it"
                    .into(),
            ));
        }
        let uri: Uri = req
            .url
            .parse()
            .map_err(|e| Error::InvalidArgument(format!("bad url {:?}: {e}", req.url)))?;
        let _ = set_timeouts(&self.socket, req.timeout);
        let mut headers: HeaderMap = req.headers.clone();
        if !headers.contains_key(HOST) {
            if let Some(v) = uri
                .authority()
                .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
            {
                headers.insert(HOST, v);
            }
        }
        if !headers.contains_key(CONTENT_LENGTH) && !req.body.is_empty() {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(req.body.len()));
        }
        let target = uri.path_and_query().map_or("/", |p| p.as_str());
        let mut head = format!("{} {target} HTTP/1.1\r\n", req.method).into_bytes();
        for (name, value) in &headers {
            head.extend_from_slice(name.as_str().as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(value.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"\r\n");
        head.extend_from_slice(&req.body);
        self.head_only = req.method == hyper::Method::HEAD;
        self.write_all(&head)
    }

    /// Sends body bytes after `send_request`; returns how many were sent (all of them).
    pub fn send(&mut self, data: &[u8]) -> Result<usize> {
        self.write_all(data)?;
        Ok(data.len())
    }

    fn write_all(&mut self, data: &[u8]) -> Result<()> {
        self.stream
            .write_all(data)
            .and_then(|_| self.stream.flush())
            .map_err(|e| Error::io("HTTP send", e))
    }

    /// Raw bytes of the answer, as they arrive (0 when the peer closed).
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<usize> {
        if !self.pending.is_empty() {
            let n = buf.len().min(self.pending.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            return Ok(n);
        }
        read_some(self.stream.as_mut(), buf)
    }

    /// Reads one whole answer; bytes after it stay for the next read.
    pub fn recv_response(&mut self) -> Result<Response> {
        let mut parser = Parser::new(false);
        parser.set_skip_body(self.head_only);
        let mut data = std::mem::take(&mut self.pending);
        let mut buf = vec![0u8; 16 << 10];
        loop {
            let used = parser.feed(&data).map_err(|_| malformed(&parser))?;
            if parser.state() == super::parser::HP_MESSAGE_COMPLETE {
                self.pending = data.split_off(used);
                break;
            }
            if parser.body().len() > MAX_RESPONSE_BODY {
                return Err(Error::OverLimit("response body".into()));
            }
            let n = read_some(self.stream.as_mut(), &mut buf)?;
            if n == 0 {
                parser.finish().map_err(|_| malformed(&parser))?;
                break;
            }
            data = buf[..n].to_vec();
        }
        let head = parser
            .head()
            .ok_or_else(|| Error::io("HTTP answer", std::io::ErrorKind::UnexpectedEof.into()))?;
        let mut resp = Response::default();
        resp.status = head.status;
        for (name, value) in &head.headers {
            if let (Ok(n), Ok(v)) = (
                hyper::header::HeaderName::from_bytes(name),
                HeaderValue::from_bytes(value),
            ) {
                resp.headers.append(n, v);
            }
        }
        resp.body = parser.body().to_vec();
        Ok(resp)
    }
}

fn malformed(parser: &Parser) -> Error {
    Error::io(
        "HTTP answer",
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            parser.error().unwrap_or("malformed").to_owned(),
        ),
    )
}

fn read_some(stream: &mut dyn Stream, buf: &mut [u8]) -> Result<usize> {
    loop {
        match stream.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            // A TLS peer that closes without close_notify has still closed.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(0),
            Err(e) => return Err(Error::io("HTTP receive", e)),
        }
    }
}

fn set_timeouts(socket: &Socket, timeout: Duration) -> std::io::Result<()> {
    let t = Some(timeout.max(Duration::from_millis(1)));
    socket.set_read_timeout(t)?;
    socket.set_write_timeout(t)
}
