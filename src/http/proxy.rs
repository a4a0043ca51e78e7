//! Reverse proxying (libhv's `Proxy(location, url)`) and forward proxying of absolute-form
//! requests for trusted hosts (`EnableForwardProxy`, `AddTrustProxy`, `AddNoProxy`).

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, CONNECTION, HOST};
use hyper::{HeaderMap, Method, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::error::{Error, Result};
use crate::tcp::NoSigpipeStream;
use crate::tls::{client_config, server_name, TlsOptions};

/// Where requests go: reverse-proxy locations and the forward-proxy policy.
#[derive(Debug, Clone)]
pub struct Proxies {
    /// (location, upstream base URL), greatest location first (libhv's order).
    locations: Vec<(String, String)>,
    pub forward_enabled: bool,
    pub trust: Vec<String>,
    pub no_proxy: Vec<String>,
    pub connect_timeout: Duration,
    /// 0: no limit.
    pub read_timeout: Duration,
}

impl Default for Proxies {
    fn default() -> Self {
        Proxies {
            locations: Vec::new(),
            forward_enabled: false,
            trust: Vec::new(),
            no_proxy: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::ZERO,
        }
    }
}

impl Proxies {
    pub fn add(&mut self, location: &str, url: &str) {
        self.locations.retain(|(l, _)| l != location);
        self.locations.push((location.to_owned(), url.to_owned()));
        self.locations.sort_by(|a, b| b.0.cmp(&a.0));
    }

    /// The upstream URL for a request target, if a location matches.
    pub fn reverse_url(&self, target: &str) -> Option<String> {
        self.locations
            .iter()
            .find(|(l, _)| target.starts_with(l.as_str()))
            .map(|(l, url)| format!("{url}{}", &target[l.len()..]))
    }

    /// libhv's `IsTrustProxy`: a trust list (if any) must match, and no no-proxy entry may.
    pub fn trusts(&self, host: &str) -> bool {
        if host.is_empty() {
            return false;
        }
        let trusted = self.trust.is_empty() || self.trust.iter().any(|p| glob(p, host));
        trusted && !self.no_proxy.iter().any(|p| glob(p, host))
    }
}

/// One `*` stands for any text.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((prefix, suffix)) => {
            text.len() >= prefix.len() + suffix.len()
                && text.starts_with(prefix)
                && text.ends_with(suffix)
        }
    }
}

/// Headers that belong to one hop and are not forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "proxy-connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authorization",
];

pub(crate) fn https_config() -> Result<Arc<rustls::ClientConfig>> {
    static CONFIG: OnceLock<std::result::Result<Arc<rustls::ClientConfig>, String>> =
        OnceLock::new();
    CONFIG
        .get_or_init(|| {
            client_config(&TlsOptions {
                verify_peer: true,
                ..Default::default()
            })
            .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(Error::TlsConfig)
}

pub(crate) trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}

pub(crate) async fn connect(uri: &Uri, timeout: Duration) -> Result<Box<dyn Io>> {
    let host = uri
        .host()
        .ok_or_else(|| Error::InvalidArgument(format!("no host in {uri}")))?;
    let https = uri.scheme_str() == Some("https");
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let addr = (host.trim_start_matches('[').trim_end_matches(']'), port);
    let tcp = tokio::time::timeout(timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| {
            Error::io(
                format!("connecting to {host}:{port}"),
                std::io::ErrorKind::TimedOut.into(),
            )
        })?
        .map_err(|e| Error::io(format!("connecting to {host}:{port}"), e))?;
    let _ = tcp.set_nodelay(true);
    let tcp = NoSigpipeStream::new(tcp);
    if !https {
        return Ok(Box::new(tcp));
    }
    let tls = tokio_rustls::TlsConnector::from(https_config()?)
        .connect(server_name(host)?, tcp)
        .await
        .map_err(|e| Error::io(format!("TLS to {host}"), e))?;
    Ok(Box::new(tls))
}

/// Sends the request to `url` and returns the upstream's answer.
pub async fn forward(
    proxies: &Proxies,
    url: &str,
    method: Method,
    mut headers: HeaderMap,
    body: Bytes,
    client: SocketAddr,
) -> Result<hyper::Response<Incoming>> {
    let uri: Uri = url
        .parse()
        .map_err(|e| Error::InvalidArgument(format!("bad upstream url {url:?}: {e}")))?;
    let io = connect(&uri, proxies.connect_timeout).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| Error::io("upstream handshake", std::io::Error::other(e)))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    if let Some(authority) = uri.authority() {
        if let Ok(v) = HeaderValue::from_str(authority.as_str()) {
            headers.insert(HOST, v);
        }
    }
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
    if let Ok(v) = HeaderValue::from_str(&client.ip().to_string()) {
        headers.insert(HeaderName::from_static("x-real-ip"), v);
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut req = hyper::Request::new(Full::new(body));
    *req.method_mut() = method;
    *req.uri_mut() = path.parse().unwrap_or_else(|_| Uri::from_static("/"));
    *req.headers_mut() = headers;
    let send = sender.send_request(req);
    let resp = if proxies.read_timeout.is_zero() {
        send.await
    } else {
        tokio::time::timeout(proxies.read_timeout, send)
            .await
            .map_err(|_| Error::io("upstream answer", std::io::ErrorKind::TimedOut.into()))?
    };
    resp.map_err(|e| Error::io("upstream request", std::io::Error::other(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_and_trust_follow_libhv() {
        let mut p = Proxies::default();
        p.add("/api/", "http://127.0.0.1:9/v1/");
        p.add("/api/admin/", "http://127.0.0.1:9/admin/");
        assert_eq!(
            p.reverse_url("/api/x?y=1").unwrap(),
            "http://127.0.0.1:9/v1/x?y=1"
        );
        assert_eq!(
            p.reverse_url("/api/admin/z").unwrap(),
            "http://127.0.0.1:9/admin/z"
        );
        assert!(p.reverse_url("/other").is_none());
        assert!(p.trusts("anything") && !p.trusts(""));
        p.trust.push("*httpbin.org".into());
        p.no_proxy.push("bad.httpbin.org".into());
        assert!(p.trusts("httpbin.org") && p.trusts("www.httpbin.org"));
        assert!(!p.trusts("bad.httpbin.org") && !p.trusts("example.com"));
    }
}
