//! A request as handlers see it, and the response they fill.

use std::net::SocketAddr;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, Version};

use crate::error::{Error, Result};

/// libhv's `HTTP_STATUS_NEXT` / `HTTP_STATUS_UNFINISHED`: the handler answers through the writer.
pub const STATUS_NEXT: i32 = 0;

pub struct Request {
    pub method: Method,
    pub version: Version,
    /// The request target as sent (origin form, query included): libhv's `req->path`.
    pub target: String,
    /// `scheme://host/target`: libhv's absolute `req->url`.
    pub url: String,
    pub scheme: &'static str,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub client_addr: SocketAddr,
    /// Query parameters, then route parameters (which replace a query parameter of the same name).
    pub params: Vec<(String, String)>,
    /// One object kept with the request while it is handled (the C++ headers keep their
    /// `HttpContext` here, shared by every stage of the pipeline).
    pub attachment: Option<Box<dyn std::any::Any + Send>>,
}

impl Request {
    /// The path without query or fragment, percent-decoded (libhv's `Path()`).
    pub fn path(&self) -> String {
        let raw = self.target.split(['?', '#']).next().unwrap_or("");
        percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned()
    }

    pub fn host(&self) -> &str {
        self.headers
            .get(hyper::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn set_param(&mut self, name: String, value: String) {
        self.params.retain(|(k, _)| *k != name);
        self.params.push((name, value));
    }
}

/// Query string pairs: `+` is a space, both sides percent-decoded, empty keys skipped.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s)
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (!k.is_empty()).then(|| (decode(k), decode(v)))
        })
        .collect()
}

#[derive(Debug)]
pub struct Response {
    /// Any code in 100..=999; libhv lets handlers answer codes it has no reason phrase for.
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// A file streamed as the body instead of `body` (static files).
    pub file: Option<super::static_files::FileBody>,
}

impl Default for Response {
    fn default() -> Self {
        Response {
            status: 200,
            headers: HeaderMap::new(),
            body: Vec::new(),
            file: None,
        }
    }
}

impl Response {
    /// Sets a header, replacing earlier values; names and values with CR, LF or NUL are refused
    /// (no response splitting). Both are copied before the map changes, as in `add_header`.
    pub fn set_header(&mut self, name: &str, value: &[u8]) -> Result<()> {
        let (name, value) = header(name, value)?;
        self.headers.insert(name, value);
        Ok(())
    }

    /// Adds a header value (for `Set-Cookie` and other repeatable headers).
    pub fn add_header(&mut self, name: &str, value: &[u8]) -> Result<()> {
        let (name, value) = header(name, value)?;
        self.headers.append(name, value);
        Ok(())
    }

    pub fn set_status(&mut self, status: i32) -> Result<()> {
        self.status = valid_status(status)?;
        Ok(())
    }
}

pub(crate) fn valid_status(status: i32) -> Result<u16> {
    u16::try_from(status)
        .ok()
        .filter(|s| (100..=999).contains(s))
        .ok_or_else(|| Error::InvalidArgument(format!("HTTP status {status} is outside 100..=999")))
}

pub(crate) fn header(name: &str, value: &[u8]) -> Result<(HeaderName, HeaderValue)> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::InvalidArgument(format!("bad header name {name:?}")))?;
    let value = HeaderValue::from_bytes(value)
        .map_err(|_| Error::InvalidArgument(format!("bad value for header {name}")))?;
    Ok((name, value))
}

/// libhv's generated error page (the same bytes, so its Content-Length matches libhv's).
pub fn status_page(status: u16) -> String {
    let line = format!("{status} {}", reason(status));
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n  <title>{line}</title>\n</head>\n<body>\n  <center><h1>{line}</h1></center>\n  <hr>\n</body>\n</html>"
    )
}

/// The reason phrase for a status code, `<unknown>` like libhv when there is none.
pub fn reason(status: u16) -> &'static str {
    hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("<unknown>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_pages_have_libhv_lengths() {
        assert_eq!(status_page(404).len(), 140);
        assert_eq!(status_page(400).len(), 144);
        assert_eq!(status_page(501).len(), 152);
    }

    #[test]
    fn query_strings_decode_like_libhv() {
        assert_eq!(
            parse_query("a=1&b=x+y&c=%2F&=skip&d"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "/".into()),
                ("d".into(), "".into())
            ]
        );
    }

    #[test]
    fn header_injection_is_refused() {
        let mut r = Response::default();
        assert!(r.set_header("X-Ok", b"fine").is_ok());
        assert!(r.set_header("X-Bad", b"a\r\nSet-Cookie: x=y").is_err());
        assert!(r.set_header("Bad Name", b"v").is_err());
        assert!(r.set_status(99).is_err() && r.set_status(1000).is_err());
        assert!(r.set_status(299).is_ok());
    }
}
