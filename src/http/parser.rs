//! An incremental HTTP/1.x message parser (libhv's `HttpParser` for HTTP/1): bytes go in as
//! they arrive; the head, the body (Content-Length, chunked, or up to EOF for responses) and
//! the state come out. Strict framing: conflicting lengths, a length with chunked transfer
//! coding, bad chunk sizes and oversized heads are errors.

use std::ffi::CString;

/// libhv's `http_parser_state` values.
pub(crate) const HP_START_REQ_OR_RES: i32 = 0;
pub(crate) const HP_MESSAGE_BEGIN: i32 = 1;
pub(crate) const HP_HEADERS_COMPLETE: i32 = 6;
pub(crate) const HP_CHUNK_HEADER: i32 = 7;
pub(crate) const HP_BODY: i32 = 8;
pub(crate) const HP_CHUNK_COMPLETE: i32 = 9;
pub(crate) const HP_MESSAGE_COMPLETE: i32 = 10;
pub(crate) const HP_ERROR: i32 = 11;

/// The largest head (start line and header fields) accepted.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// The most header fields accepted.
pub(crate) const MAX_HEADERS: usize = 100;

/// The message was rejected; `Parser::error` says why.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

/// The parsed start line and header fields.
#[derive(Debug)]
pub struct Head {
    pub method: CString,
    pub url: CString,
    pub status: u16,
    pub minor_version: u8,
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
}

#[derive(Debug)]
enum Body {
    Length(u64),
    Chunked(Chunk),
    UntilEof,
}

#[derive(Debug)]
enum Chunk {
    /// Reading a chunk-size line (extensions ignored).
    Size(Vec<u8>),
    Data(u64),
    /// Expecting the CRLF after a chunk's data; holds how many of the two bytes were seen.
    DataEnd(u8),
    /// Reading trailer lines until an empty one.
    Trailer(Vec<u8>),
}

pub struct Parser {
    request: bool,
    skip_body: bool,
    state: i32,
    buf: Vec<u8>,
    head: Option<Head>,
    body_mode: Option<Body>,
    body: Vec<u8>,
    error: Option<String>,
}

fn empty_head() -> Head {
    Head {
        method: CString::default(),
        url: CString::default(),
        status: 0,
        minor_version: 1,
        headers: Vec::new(),
    }
}

fn cstring(s: &str) -> CString {
    CString::new(s).unwrap_or_default()
}

impl Parser {
    /// A parser for one request (`request`) or one response.
    pub fn new(request: bool) -> Self {
        Parser {
            request,
            skip_body: false,
            state: HP_START_REQ_OR_RES,
            buf: Vec::new(),
            head: None,
            body_mode: None,
            body: Vec::new(),
            error: None,
        }
    }

    /// Starts over for a new message of the given kind (the skip-body flag is kept).
    pub fn reset(&mut self, request: bool) {
        let skip = self.skip_body;
        *self = Parser::new(request);
        self.skip_body = skip;
    }

    /// A response parser that expects no body whatever the headers say (the answer to HEAD).
    pub fn set_skip_body(&mut self, skip: bool) {
        self.skip_body = skip;
    }

    pub fn state(&self) -> i32 {
        self.state
    }

    pub fn head(&self) -> Option<&Head> {
        self.head.as_ref()
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Body bytes parsed since the last `clear_body`.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    pub fn clear_body(&mut self) {
        self.body.clear();
    }

    fn fail(&mut self, msg: impl Into<String>) -> Result<usize, Malformed> {
        self.state = HP_ERROR;
        self.error = Some(msg.into());
        Err(Malformed)
    }

    /// Parses what it can of `data`; returns the bytes consumed, which is less than
    /// `data.len()` only once the message is complete (the rest belongs to the next one).
    pub fn feed(&mut self, data: &[u8]) -> Result<usize, Malformed> {
        if self.state == HP_ERROR {
            return Err(Malformed);
        }
        let mut used = 0;
        while used < data.len() && self.state != HP_MESSAGE_COMPLETE {
            if self.head.is_none() {
                used += self.feed_head(&data[used..])?;
            } else {
                used += self.feed_body(&data[used..])?;
            }
        }
        Ok(used)
    }

    /// The peer closed: completes a response read up to EOF, fails a message cut short.
    pub fn finish(&mut self) -> Result<(), Malformed> {
        match self.state {
            HP_MESSAGE_COMPLETE | HP_START_REQ_OR_RES => Ok(()),
            HP_ERROR => Err(Malformed),
            _ if matches!(self.body_mode, Some(Body::UntilEof)) => {
                self.state = HP_MESSAGE_COMPLETE;
                Ok(())
            }
            _ => self
                .fail("the connection closed in the middle of a message")
                .map(|_| ()),
        }
    }

    fn feed_head(&mut self, data: &[u8]) -> Result<usize, Malformed> {
        let old = self.buf.len();
        // Only the first MAX_HEAD bytes can hold a head; take no more than that.
        let take = data.len().min(MAX_HEAD + 4 - old.min(MAX_HEAD + 4));
        self.buf.extend_from_slice(&data[..take]);
        if self.state == HP_START_REQ_OR_RES {
            // Empty lines before a request line are tolerated (RFC 9112 section 2.2).
            let blank = self
                .buf
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            if self.request && blank > 0 {
                self.buf.drain(..blank);
            }
            if self.buf.is_empty() {
                return Ok(take);
            }
            self.state = HP_MESSAGE_BEGIN;
        }
        let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let parsed = if self.request {
            let mut req = httparse::Request::new(&mut fields);
            match req.parse(&self.buf) {
                Ok(httparse::Status::Complete(n)) => {
                    let mut head = empty_head();
                    head.method = cstring(req.method.unwrap_or(""));
                    head.url = cstring(req.path.unwrap_or(""));
                    head.minor_version = req.version.unwrap_or(1);
                    head.headers = copy_headers(req.headers);
                    Ok(Some((n, head)))
                }
                Ok(httparse::Status::Partial) => Ok(None),
                Err(e) => Err(e),
            }
        } else {
            let mut resp = httparse::Response::new(&mut fields);
            match resp.parse(&self.buf) {
                Ok(httparse::Status::Complete(n)) => {
                    let mut head = empty_head();
                    head.status = resp.code.unwrap_or(0);
                    head.minor_version = resp.version.unwrap_or(1);
                    head.headers = copy_headers(resp.headers);
                    Ok(Some((n, head)))
                }
                Ok(httparse::Status::Partial) => Ok(None),
                Err(e) => Err(e),
            }
        };
        match parsed {
            Err(e) => self.fail(format!("bad message head: {e}")),
            Ok(None) if self.buf.len() > MAX_HEAD => self.fail("message head over 64 KiB"),
            Ok(None) => Ok(take),
            Ok(Some((n, head))) => {
                // Bytes of this call past the head are parsed as body by the caller.
                let unused = self.buf.len() - n;
                self.buf = Vec::new();
                let mode = self.body_mode_for(&head)?;
                self.head = Some(head);
                self.state = HP_HEADERS_COMPLETE;
                match mode {
                    None | Some(Body::Length(0)) => self.state = HP_MESSAGE_COMPLETE,
                    Some(m) => self.body_mode = Some(m),
                }
                Ok(take - unused)
            }
        }
    }

    fn body_mode_for(&mut self, head: &Head) -> Result<Option<Body>, Malformed> {
        let mut length: Option<u64> = None;
        let mut chunked = false;
        let mut other_coding = false;
        for (name, value) in &head.headers {
            if name.eq_ignore_ascii_case(b"content-length") {
                let text = String::from_utf8_lossy(value);
                let text = text.trim();
                let n = match text.parse::<u64>() {
                    Ok(n) if text.bytes().all(|b| b.is_ascii_digit()) => n,
                    _ => return self.fail("bad Content-Length").map(|_| None),
                };
                if length.is_some_and(|l| l != n) {
                    return self.fail("conflicting Content-Length").map(|_| None);
                }
                length = Some(n);
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                let text = String::from_utf8_lossy(value).to_ascii_lowercase();
                for coding in text.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                    if chunked {
                        return self
                            .fail("chunked must be the last transfer coding")
                            .map(|_| None);
                    }
                    if coding == "chunked" {
                        chunked = true;
                    } else {
                        other_coding = true;
                    }
                }
            }
        }
        if !self.request {
            let s = head.status;
            if self.skip_body || (100..200).contains(&s) || s == 204 || s == 304 {
                return Ok(None);
            }
        }
        if chunked && length.is_some() {
            return self
                .fail("Content-Length with chunked transfer coding")
                .map(|_| None);
        }
        if chunked {
            return Ok(Some(Body::Chunked(Chunk::Size(Vec::new()))));
        }
        if other_coding {
            if self.request {
                return self.fail("unsupported transfer coding").map(|_| None);
            }
            return Ok(Some(Body::UntilEof));
        }
        match length {
            Some(n) => Ok(Some(Body::Length(n))),
            None if self.request => Ok(None),
            None => Ok(Some(Body::UntilEof)),
        }
    }

    fn feed_body(&mut self, data: &[u8]) -> Result<usize, Malformed> {
        let Some(mode) = self.body_mode.as_mut() else {
            self.state = HP_MESSAGE_COMPLETE;
            return Ok(0);
        };
        match mode {
            Body::UntilEof => {
                self.body.extend_from_slice(data);
                self.state = HP_BODY;
                Ok(data.len())
            }
            Body::Length(left) => {
                let n = (*left).min(data.len() as u64) as usize;
                *left -= n as u64;
                let done = *left == 0;
                self.body.extend_from_slice(&data[..n]);
                self.state = if done { HP_MESSAGE_COMPLETE } else { HP_BODY };
                Ok(n)
            }
            Body::Chunked(chunk) => match chunk {
                Chunk::Size(line) => {
                    let (n, complete) = take_line(line, data);
                    if line.len() > 1024 {
                        return self.fail("chunk size line too long");
                    }
                    if complete {
                        let text = String::from_utf8_lossy(line).into_owned();
                        let size_text = text.split(';').next().unwrap_or("").trim();
                        let size = match u64::from_str_radix(size_text, 16) {
                            Ok(s) if !size_text.is_empty() && !size_text.starts_with('+') => s,
                            _ => return self.fail("bad chunk size"),
                        };
                        *chunk = if size == 0 {
                            Chunk::Trailer(Vec::new())
                        } else {
                            Chunk::Data(size)
                        };
                        self.state = HP_CHUNK_HEADER;
                    }
                    Ok(n)
                }
                Chunk::Data(left) => {
                    let n = (*left).min(data.len() as u64) as usize;
                    *left -= n as u64;
                    if *left == 0 {
                        *chunk = Chunk::DataEnd(0);
                    }
                    self.body.extend_from_slice(&data[..n]);
                    self.state = HP_BODY;
                    Ok(n)
                }
                Chunk::DataEnd(seen) => {
                    let want = if *seen == 0 { b'\r' } else { b'\n' };
                    if data[0] != want {
                        return self.fail("missing CRLF after chunk data");
                    }
                    *seen += 1;
                    if *seen == 2 {
                        *chunk = Chunk::Size(Vec::new());
                        self.state = HP_CHUNK_COMPLETE;
                    }
                    Ok(1)
                }
                Chunk::Trailer(line) => {
                    let (n, complete) = take_line(line, data);
                    if line.len() > MAX_HEAD {
                        return self.fail("trailer too long");
                    }
                    if complete {
                        if line.is_empty() {
                            self.state = HP_MESSAGE_COMPLETE;
                        } else {
                            line.clear();
                        }
                    }
                    Ok(n)
                }
            },
        }
    }
}

/// Appends `data` up to and including the first LF to `line` (without the CRLF); returns the
/// bytes used and whether the line is complete.
fn take_line(line: &mut Vec<u8>, data: &[u8]) -> (usize, bool) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => {
            line.extend_from_slice(&data[..i]);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            (i + 1, true)
        }
        None => {
            line.extend_from_slice(data);
            (data.len(), false)
        }
    }
}

fn copy_headers(fields: &[httparse::Header<'_>]) -> Vec<(Vec<u8>, Vec<u8>)> {
    fields
        .iter()
        .map(|h| (h.name.as_bytes().to_vec(), h.value.to_vec()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_bytewise(p: &mut Parser, data: &[u8]) {
        for b in data {
            assert_eq!(p.feed(std::slice::from_ref(b)), Ok(1));
        }
    }

    #[test]
    fn request_with_length_byte_by_byte() {
        let mut p = Parser::new(true);
        feed_bytewise(
            &mut p,
            b"\r\nPOST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        );
        assert_eq!(p.state(), HP_MESSAGE_COMPLETE);
        let h = p.head().unwrap();
        assert_eq!(h.method.to_str().unwrap(), "POST");
        assert_eq!(h.url.to_str().unwrap(), "/a?b=1");
        assert_eq!(h.headers.len(), 2);
        assert_eq!(p.body(), b"hello");
    }

    #[test]
    fn chunked_response_with_trailer_and_pipelined_rest() {
        let mut p = Parser::new(false);
        let msg = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nT: v\r\n\r\nNEXT";
        assert_eq!(p.feed(msg), Ok(msg.len() - 4));
        assert_eq!(p.state(), HP_MESSAGE_COMPLETE);
        assert_eq!(p.body(), b"hello world");
    }

    #[test]
    fn response_until_eof_and_no_body_statuses() {
        let mut p = Parser::new(false);
        p.feed(b"HTTP/1.0 200 OK\r\n\r\nabc").unwrap();
        assert_eq!(p.state(), HP_BODY);
        p.finish().unwrap();
        assert_eq!(p.state(), HP_MESSAGE_COMPLETE);
        assert_eq!(p.body(), b"abc");
        let mut p = Parser::new(false);
        p.feed(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n")
            .unwrap();
        assert_eq!(p.state(), HP_MESSAGE_COMPLETE);
        let mut p = Parser::new(false);
        p.set_skip_body(true);
        p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n")
            .unwrap();
        assert_eq!(p.state(), HP_MESSAGE_COMPLETE);
    }

    #[test]
    fn framing_errors() {
        for bad in [
            &b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nContent-Length: +1\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXY",
            b"GET\x01 / HTTP/1.1\r\n\r\n",
        ] {
            let mut p = Parser::new(true);
            assert!(p.feed(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
            assert_eq!(p.state(), HP_ERROR);
            assert!(p.error().is_some());
        }
        let mut p = Parser::new(true);
        let big = vec![b'a'; MAX_HEAD + 10];
        assert!(p.feed(b"GET /").is_ok());
        assert!(p.feed(&big).is_err());
        let mut p = Parser::new(true);
        p.feed(b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nab")
            .unwrap();
        assert!(p.finish().is_err());
    }
}
