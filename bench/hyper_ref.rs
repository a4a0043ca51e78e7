//! `hyper_ref`: the bench's bare-hyper reference, the limit of the HTTP engine under hv-rs.
//! hyper 1 (HTTP/1.1, and HTTP/2 by prior knowledge or ALPN) on one current-thread tokio
//! runtime, rustls with the ring provider for HTTPS, and nothing between the socket and the
//! answer: `GET /ping` is "pong" and `/static/<name>` the file given, read once at start.
//!
//! ```text
//! hyper_ref <port> <file> [<https_port> <cert.pem> <key.pem>]
//! ```
//!
//! Serves until it is killed.

use std::convert::Infallible;
use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// What the server answers: the static file's path and its bytes.
struct Content {
    path: String,
    file: Bytes,
}

fn answer(req: &Request<Incoming>, content: &Content) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    let (status, kind, body) = if path == "/ping" {
        (StatusCode::OK, "text/plain", Bytes::from_static(b"pong"))
    } else if path == content.path {
        (
            StatusCode::OK,
            "application/octet-stream",
            content.file.clone(),
        )
    } else {
        (
            StatusCode::NOT_FOUND,
            "text/plain",
            Bytes::from_static(b"not found"),
        )
    };
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, hyper::header::HeaderValue::from_static(kind));
    resp
}

/// Accepts on `listener` and serves each connection in a task of its own (TLS first with
/// `tls`); HTTP/1.1 or HTTP/2 as the client's first bytes say.
async fn serve(listener: TcpListener, tls: Option<TlsAcceptor>, content: Arc<Content>) {
    loop {
        let tcp = match listener.accept().await {
            Ok((tcp, _)) => tcp,
            Err(_) => {
                // Out of descriptors, say: let connections close before accepting again.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let (tls, content) = (tls.clone(), content.clone());
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let resp = answer(&req, &content);
                async move { Ok::<_, Infallible>(resp) }
            });
            let builder = auto::Builder::new(TokioExecutor::new());
            match tls {
                None => {
                    let _ = builder.serve_connection(TokioIo::new(tcp), svc).await;
                }
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(tcp).await {
                        let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                    }
                }
            }
        });
    }
}

fn tls_acceptor(crt: &str, key: &str) -> Result<TlsAcceptor, Box<dyn Error>> {
    let certs = CertificateDer::pem_file_iter(crt)?.collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(key)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 && args.len() != 6 {
        return Err("usage: hyper_ref <port> <file> [<https_port> <cert.pem> <key.pem>]".into());
    }
    let port: u16 = args[1].parse()?;
    let file = Path::new(&args[2]);
    let name = file.file_name().ok_or("the file has no name")?;
    let content = Arc::new(Content {
        path: format!("/static/{}", name.to_string_lossy()),
        file: Bytes::from(std::fs::read(file)?),
    });
    let tls = match args.get(3..6) {
        Some([https_port, crt, key]) => Some((https_port.parse::<u16>()?, tls_acceptor(crt, key)?)),
        _ => None,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        if let Some((https_port, acceptor)) = tls {
            let listener = TcpListener::bind(("0.0.0.0", https_port)).await?;
            tokio::spawn(serve(listener, Some(acceptor), content.clone()));
        }
        let listener = TcpListener::bind(("0.0.0.0", port)).await?;
        serve(listener, None, content).await;
        Ok(())
    })
}
