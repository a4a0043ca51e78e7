//! `idle_conns`: the bench's idle keep-alive connections. Opens the connections (over TLS with
//! `--tls`, any certificate accepted, HTTP/1.1), sends `GET /ping` on each and reads the whole
//! answer, then prints `ready <connections>` and keeps every connection open, sending nothing,
//! for the given time. The bench reads the server's memory meanwhile.
//!
//! ```text
//! idle_conns <host:port> <connections> <seconds to hold> [--tls]
//! ```

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use hv::tls::{client_config, server_name, TlsOptions};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio_rustls::TlsConnector;

/// Connections opened at once.
const BATCH: usize = 100;

/// A connection the bench holds open (plain or TLS), only kept to stay open.
type Held = Box<dyn Send>;

/// Sends one request on `io` and reads until the answer's body ("pong") has arrived.
async fn ping<S: AsyncRead + AsyncWrite + Unpin>(io: &mut S) -> std::io::Result<()> {
    io.write_all(b"GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await?;
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.ends_with(b"pong") {
        let n = io.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        got.extend_from_slice(&buf[..n]);
    }
    Ok(())
}

async fn open(addr: String, tls: Option<Arc<TlsConnector>>) -> std::io::Result<Held> {
    let mut tcp = TcpStream::connect(&addr).await?;
    tcp.set_nodelay(true)?;
    match tls {
        None => {
            ping(&mut tcp).await?;
            Ok(Box::new(tcp))
        }
        Some(connector) => {
            let name = server_name("localhost").map_err(std::io::Error::other)?;
            let mut stream = connector.connect(name, tcp).await?;
            ping(&mut stream).await?;
            Ok(Box::new(stream))
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 || args.len() > 5 || args.get(4).is_some_and(|a| a != "--tls") {
        return Err("usage: idle_conns <host:port> <connections> <seconds to hold> [--tls]".into());
    }
    let addr = args[1].clone();
    let conns: usize = args[2].parse()?;
    let hold = Duration::from_secs_f64(args[3].parse()?);
    let tls = match args.get(4) {
        Some(_) => Some(Arc::new(TlsConnector::from(client_config(
            &TlsOptions::default(),
        )?))),
        None => None,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let mut open_conns = Vec::with_capacity(conns);
        while open_conns.len() < conns {
            let mut batch = JoinSet::new();
            for _ in 0..BATCH.min(conns - open_conns.len()) {
                batch.spawn(open(addr.clone(), tls.clone()));
            }
            while let Some(conn) = batch.join_next().await {
                open_conns.push(conn??);
            }
        }
        println!("ready {}", open_conns.len());
        tokio::time::sleep(hold).await;
        drop(open_conns);
        Ok::<(), Box<dyn Error>>(())
    })
}
