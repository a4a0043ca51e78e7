//! Socket addresses as text without the formatting machinery: the request path writes one per
//! request (libhv's access-log line, the client address a handler reads), and `Display` for
//! `SocketAddr` costs more than the rest of such a line.

use std::io::Write;
use std::net::SocketAddr;

/// The longest text `Display` writes for a socket address: `[` 39 `%` 10 `]` `:` 5
/// (eight full groups and a 32-bit scope id), so no address is cut short.
pub const SOCKET_ADDR_MAX: usize = 58;

/// `1.2.3.4:80` or `[::1]:80` into `buf`; returns the length written.
pub fn socket_addr(buf: &mut [u8; SOCKET_ADDR_MAX], addr: SocketAddr) -> usize {
    match addr {
        SocketAddr::V4(v4) => v4_text(buf, v4.ip().octets(), v4.port()),
        SocketAddr::V6(v6) => {
            let mut cursor = std::io::Cursor::new(&mut buf[..]);
            // Rare on the request path: the standard formatting (compressed zeros) is worth it.
            let _ = write!(cursor, "{v6}");
            cursor.position() as usize
        }
    }
}

/// Appends `1.2.3.4:80` or `[::1]:80` to `out`.
pub fn push_socket_addr(out: &mut Vec<u8>, addr: SocketAddr) {
    let mut buf = [0u8; SOCKET_ADDR_MAX];
    let n = socket_addr(&mut buf, addr);
    out.extend_from_slice(&buf[..n]);
}

/// Each octet's decimal digits and their count: a lookup and a fixed-size copy per octet,
/// where `io::Write` and `itoa` per octet cost more than the line the address goes into.
const OCTETS: [([u8; 3], u8); 256] = {
    let mut t = [([0u8; 3], 0u8); 256];
    let mut v = 0;
    while v < 256 {
        let (h, d, u) = ((v / 100) as u8, (v / 10 % 10) as u8, (v % 10) as u8);
        t[v] = if v >= 100 {
            ([b'0' + h, b'0' + d, b'0' + u], 3)
        } else if v >= 10 {
            ([b'0' + d, b'0' + u, 0], 2)
        } else {
            ([b'0' + u, 0, 0], 1)
        };
        v += 1;
    }
    t
};

/// `a.b.c.d:port` (at most 21 bytes) at the start of `buf`.
fn v4_text(buf: &mut [u8; SOCKET_ADDR_MAX], octets: [u8; 4], port: u16) -> usize {
    let mut n = 0;
    for octet in octets {
        let (digits, len) = OCTETS[usize::from(octet)];
        buf[n..n + 3].copy_from_slice(&digits);
        buf[n + usize::from(len)] = b'.';
        n += usize::from(len) + 1;
    }
    buf[n - 1] = b':';
    let mut digits = itoa::Buffer::new();
    let port = digits.format(port).as_bytes();
    buf[n..n + port.len()].copy_from_slice(port);
    n + port.len()
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
            "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535",
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
