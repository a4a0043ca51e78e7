//! A request as handlers see it, and the response they fill.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, Version};
use smallvec::SmallVec;

use crate::error::{Error, Result};

/// libhv's `HTTP_STATUS_NEXT` / `HTTP_STATUS_UNFINISHED`: the handler answers through the writer.
pub const STATUS_NEXT: i32 = 0;

pub struct Request {
    pub method: Method,
    pub version: Version,
    /// `scheme://host/target`: libhv's absolute `req->url`, the target (`target()`) at its end.
    pub url: String,
    /// Where the target starts in `url`.
    pub target_start: usize,
    pub scheme: &'static str,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub client_addr: SocketAddr,
    /// Query parameters, then route parameters (which replace a query parameter of the same name).
    pub params: Vec<(String, String)>,
    /// One object kept with the request while it is handled (the C++ headers keep their
    /// `HttpContext` here, shared by every stage of the pipeline).
    pub attachment: Option<Box<dyn std::any::Any + Send>>,
    /// The certificate the client presented over TLS, verified against `ca_file`.
    pub client_cert: Option<Arc<crate::tls::PeerCert>>,
}

impl Request {
    /// The request target as sent (origin form, query included): libhv's `req->path`.
    pub fn target(&self) -> &str {
        self.url.get(self.target_start..).unwrap_or("/")
    }

    /// The target without query or fragment, as sent.
    pub fn raw_path(&self) -> &str {
        self.target().split(['?', '#']).next().unwrap_or("")
    }

    /// The path without query or fragment, percent-decoded (libhv's `Path()`).
    pub fn path(&self) -> String {
        let raw = self.raw_path();
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
    /// Names of the headers the last stage report set (`report_stage_headers`). A stage kept
    /// in another language (the C++ `HttpResponse`) holds its own copy of them: it must not
    /// import them back, and its next report replaces them. Headers the pipeline sets itself
    /// (static files, `Allow`, error pages, C handlers) leave this list. Inline: a stage
    /// mostly reports one or two (Content-Type), and a heap list cost an allocation on every
    /// request a C++ stage answers.
    staged: SmallVec<[HeaderName; 2]>,
}

impl Default for Response {
    fn default() -> Self {
        Response {
            status: 200,
            headers: HeaderMap::new(),
            body: Vec::new(),
            file: None,
            staged: SmallVec::new(),
        }
    }
}

impl Response {
    /// Sets a header, replacing earlier values; names and values with CR, LF or NUL are refused
    /// (no response splitting). Both are copied before the map changes, as in `add_header`.
    pub fn set_header(&mut self, name: &str, value: &[u8]) -> Result<()> {
        let (name, value) = header(name, value)?;
        self.insert_header(name, value);
        Ok(())
    }

    /// Adds a header value (for `Set-Cookie` and other repeatable headers).
    pub fn add_header(&mut self, name: &str, value: &[u8]) -> Result<()> {
        let (name, value) = header(name, value)?;
        self.staged.retain(|n| *n != name);
        self.headers.append(name, value);
        Ok(())
    }

    /// Sets a header the pipeline decided (replacing earlier values, a stage's included).
    pub fn insert_header(&mut self, name: HeaderName, value: HeaderValue) {
        self.staged.retain(|n| *n != name);
        self.headers.insert(name, value);
    }

    pub fn remove_header(&mut self, name: &HeaderName) {
        self.staged.retain(|n| n != name);
        self.headers.remove(name);
    }

    pub fn clear_headers(&mut self) {
        self.staged.clear();
        self.headers.clear();
    }

    /// A stage that keeps its own copy of the response reports all its headers: the headers
    /// of its previous report are replaced by `headers`, which override what the pipeline set
    /// under the same names; other headers the pipeline set stay. Repeated names append.
    pub fn report_stage_headers(
        &mut self,
        headers: impl IntoIterator<Item = (HeaderName, HeaderValue)>,
    ) {
        for name in self.staged.drain(..) {
            self.headers.remove(&name);
        }
        for (name, value) in headers {
            if self.staged.contains(&name) {
                self.headers.append(name, value);
            } else {
                self.headers.insert(name.clone(), value);
                self.staged.push(name);
            }
        }
    }

    /// Whether a header came from the last stage report rather than from the pipeline.
    pub fn is_staged(&self, name: &HeaderName) -> bool {
        self.staged.contains(name)
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
    fn a_stage_report_replaces_its_own_headers_and_overrides_only_what_it_names() {
        let h = |n: &str, v: &str| header(n, v.as_bytes()).unwrap();
        let mut r = Response::default();
        r.report_stage_headers(vec![h("content-type", "application/json"), h("x-a", "1")]);
        r.insert_header(
            hyper::header::CONTENT_TYPE,
            HeaderValue::from_static("image/png"),
        );
        r.set_header("etag", b"\"1-2\"").unwrap();
        assert!(!r.is_staged(&hyper::header::CONTENT_TYPE) && r.is_staged(&h("x-a", "").0));
        r.report_stage_headers(vec![
            h("x-b", "2"),
            h("set-cookie", "a=1"),
            h("set-cookie", "b=2"),
        ]);
        assert_eq!(r.headers.get("content-type").unwrap(), "image/png");
        assert_eq!(r.headers.get("etag").unwrap(), "\"1-2\"");
        assert!(
            r.headers.get("x-a").is_none(),
            "dropped by the stage's next report"
        );
        assert_eq!(r.headers.get_all("set-cookie").iter().count(), 2);
        r.report_stage_headers(vec![h("etag", "\"mine\"")]);
        assert_eq!(r.headers.get("etag").unwrap(), "\"mine\"");
        assert!(r.headers.get("x-b").is_none());
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
