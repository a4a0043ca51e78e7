//! Socket addresses as text without the formatting machinery: the request path writes one per
//! request (libhv's access-log line, the client address a handler reads), and `Display` for
//! `SocketAddr` costs more than the rest of such a line.

use std::io::Write;
use std::net::SocketAddr;

/// The longest `[v6%scope]:port` text (`[` 45 `]` `:` 5).
pub const SOCKET_ADDR_MAX: usize = 56;

/// `1.2.3.4:80` or `[::1]:80` into `buf`; returns the length written.
pub fn socket_addr(buf: &mut [u8; SOCKET_ADDR_MAX], addr: SocketAddr) -> usize {
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    write_socket_addr(&mut cursor, addr);
    cursor.position() as usize
}

/// Appends `1.2.3.4:80` or `[::1]:80` to `out`.
pub fn push_socket_addr(out: &mut Vec<u8>, addr: SocketAddr) {
    write_socket_addr(out, addr);
}

fn write_socket_addr(out: &mut impl Write, addr: SocketAddr) {
    let mut digits = itoa::Buffer::new();
    match addr {
        SocketAddr::V4(v4) => {
            for (i, octet) in v4.ip().octets().into_iter().enumerate() {
                if i > 0 {
                    let _ = out.write_all(b".");
                }
                let _ = out.write_all(digits.format(octet).as_bytes());
            }
            let _ = out.write_all(b":");
            let _ = out.write_all(digits.format(v4.port()).as_bytes());
        }
        // Rare on the request path: the standard formatting (compressed zeros) is worth it.
        SocketAddr::V6(v6) => {
            let _ = write!(out, "{v6}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_what_display_writes() {
        for text in [
            "127.0.0.1:8080",
            "0.0.0.0:0",
            "255.255.255.255:65535",
            "[::1]:443",
            "[2001:db8::7]:1",
            "[fe80::1%2]:80",
        ] {
            let addr: SocketAddr = text.parse().unwrap();
            let mut buf = [0u8; SOCKET_ADDR_MAX];
            let n = socket_addr(&mut buf, addr);
            assert_eq!(&buf[..n], addr.to_string().as_bytes());
            let mut out = b"x".to_vec();
            push_socket_addr(&mut out, addr);
            assert_eq!(&out[1..], text.as_bytes());
        }
    }
}
