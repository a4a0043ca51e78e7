//! The PROXY protocol (HAProxy's v1 text and v2 binary headers): a load balancer in front of
//! the server writes the client's address before the client's first byte, so the server,
//! reading it before TLS or HTTP, sees the client instead of the balancer. Only the header's
//! own bytes are read, however the client's data that follows arrives.

use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpStream;

use crate::error::{Error, Result};
use crate::log::LEVEL_WARN;
use crate::log_throttle::{self, Throttle};

const V2_SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
/// The longest v1 line the specification allows, CRLF included.
const V1_MAX: usize = 107;

fn bad(reason: impl Into<String>) -> Error {
    Error::ProxyHeader(reason.into())
}

/// The client a connection's PROXY header names (its `peer` when the balancer speaks for
/// itself), read within `deadline`; `None` when the header is late or malformed, and then the
/// caller closes the connection. Malformed headers are logged for `server`, one line per
/// interval whatever the flood.
pub(crate) async fn proxied_client(
    sock: &mut TcpStream,
    peer: SocketAddr,
    deadline: std::time::Duration,
    server: &'static str,
) -> Option<SocketAddr> {
    match tokio::time::timeout(deadline, read_proxy_header(sock)).await {
        Ok(Ok(client)) => Some(client.unwrap_or(peer)),
        Ok(Err(e)) => {
            static BAD_HEADER: Throttle = Throttle::new(log_throttle::INTERVAL);
            BAD_HEADER.log(LEVEL_WARN, || format!("{server}: closing {peer}: {e}"));
            None
        }
        Err(_) => None,
    }
}

/// Reads one PROXY header from `sock`: the client's address, or `None` when the balancer
/// speaks for itself (v1 `UNKNOWN`, v2 `LOCAL`, or an address family without one, such as a
/// Unix socket), in which case the connection's own peer stands. Anything else is an error,
/// and the caller closes the connection. Public for the fuzz targets only.
#[doc(hidden)]
pub async fn read_proxy_header<R: AsyncRead + Unpin>(sock: &mut R) -> Result<Option<SocketAddr>> {
    let io = |e| Error::io("reading the PROXY header", e);
    // Both versions are longer than the v2 signature, so these bytes are the header's.
    let mut head = vec![0u8; V2_SIGNATURE.len()];
    sock.read_exact(&mut head).await.map_err(io)?;
    if head.as_slice() == V2_SIGNATURE {
        let mut fixed = [0u8; 4];
        sock.read_exact(&mut fixed).await.map_err(io)?;
        head.extend_from_slice(&fixed);
        let len = usize::from(u16::from_be_bytes([fixed[2], fixed[3]]));
        let start = head.len();
        head.resize(start + len, 0);
        sock.read_exact(&mut head[start..]).await.map_err(io)?;
        let header = ppp::v2::Header::try_from(head.as_slice()).map_err(|e| bad(e.to_string()))?;
        if header.command == ppp::v2::Command::Local {
            return Ok(None);
        }
        return Ok(match header.addresses {
            ppp::v2::Addresses::IPv4(a) => Some((a.source_address, a.source_port).into()),
            ppp::v2::Addresses::IPv6(a) => Some((a.source_address, a.source_port).into()),
            ppp::v2::Addresses::Unspecified | ppp::v2::Addresses::Unix(_) => None,
        });
    }
    if !head.starts_with(b"PROXY ") {
        return Err(bad("neither a v1 nor a v2 header"));
    }
    // The v1 line ends at its CRLF; byte by byte so nothing after it is consumed.
    while !head.ends_with(b"\r\n") {
        if head.len() >= V1_MAX {
            return Err(bad("v1 line longer than 107 bytes"));
        }
        let b = sock.read_u8().await.map_err(io)?;
        head.push(b);
    }
    let header = ppp::v1::Header::try_from(head.as_slice()).map_err(|e| bad(e.to_string()))?;
    Ok(match header.addresses {
        ppp::v1::Addresses::Tcp4(a) => Some((a.source_address, a.source_port).into()),
        ppp::v1::Addresses::Tcp6(a) => Some((a.source_address, a.source_port).into()),
        ppp::v1::Addresses::Unknown => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// Sends `bytes` then `rest` to a fresh connection and returns what the header said and
    /// what followed it.
    async fn exchange(bytes: Vec<u8>) -> (Result<Option<SocketAddr>>, Vec<u8>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = tokio::spawn(async move {
            let mut c = TcpStream::connect(addr).await.unwrap();
            c.write_all(&bytes).await.unwrap();
            c.write_all(b"rest").await.unwrap();
            c.shutdown().await.unwrap();
        });
        let (mut sock, _) = listener.accept().await.unwrap();
        let got = read_proxy_header(&mut sock).await;
        let mut rest = Vec::new();
        if got.is_ok() {
            sock.read_to_end(&mut rest).await.unwrap();
        }
        client.await.unwrap();
        (got, rest)
    }

    #[tokio::test]
    async fn both_versions_give_the_client_and_leave_what_follows() {
        let (got, rest) = exchange(b"PROXY TCP4 192.0.2.7 10.0.0.1 5555 80\r\n".to_vec()).await;
        assert_eq!(got.unwrap(), Some("192.0.2.7:5555".parse().unwrap()));
        assert_eq!(rest, b"rest");
        let (got, _) = exchange(b"PROXY UNKNOWN\r\n".to_vec()).await;
        assert_eq!(got.unwrap(), None);
        let v2 = ppp::v2::Builder::with_addresses(
            ppp::v2::Version::Two | ppp::v2::Command::Proxy,
            ppp::v2::Protocol::Stream,
            (
                "[2001:db8::9]:4444".parse::<SocketAddr>().unwrap(),
                "[2001:db8::1]:443".parse::<SocketAddr>().unwrap(),
            ),
        )
        .build()
        .unwrap();
        let (got, rest) = exchange(v2).await;
        assert_eq!(got.unwrap(), Some("[2001:db8::9]:4444".parse().unwrap()));
        assert_eq!(rest, b"rest");
    }

    #[tokio::test]
    async fn malformed_headers_are_errors() {
        for bytes in [
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            b"PROXY TCP4 999.0.0.1 10.0.0.1 1 2\r\n".to_vec(),
            [b"PROXY TCP4 ".as_slice(), &[b'1'; 120]].concat(),
            [V2_SIGNATURE.as_slice(), &[0x21, 0x11, 0, 3, 1, 2, 3]].concat(),
        ] {
            let (got, _) = exchange(bytes.clone()).await;
            assert!(got.is_err(), "{:?} parsed", String::from_utf8_lossy(&bytes));
        }
    }
}
