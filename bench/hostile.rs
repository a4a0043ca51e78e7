//! `hostile`: runs the hostile-input catalogue (`shared/spec/hardening.md`) against an HTTP
//! server and prints a pass/fail table, so a user can check their own deployment:
//!
//! ```text
//! cargo run --release --bin hostile -- 127.0.0.1:8080
//! cargo run --release --bin hostile -- 127.0.0.1:8443 --tls --sni example.com
//! ```
//!
//! Each probe opens its own connection, sends its bytes and judges what comes back against the
//! catalogue's answer (a status and a closed connection, or a close within a deadline); a last
//! probe checks that the server still answers. The deadlines it waits for are the server's
//! (`--head-timeout-ms` ..., hv-rs defaults if not given); `--skip-slow` leaves out the probes
//! that must wait for them. Exit status: 0 if every probe passed, 1 if one failed, 2 on bad
//! arguments.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hv::tls::{client_config, server_name, TlsOptions};
use rustls::{ClientConnection, StreamOwned};

/// How long a probe waits for an answer that is not a deadline's.
const ANSWER_WAIT: Duration = Duration::from_secs(5);
/// How long a connection may stay open after an answer before it counts as kept open.
const CLOSE_WAIT: Duration = Duration::from_secs(1);
/// Slack added to a server deadline before a probe calls it missed.
const DEADLINE_SLACK: Duration = Duration::from_secs(3);

struct Settings {
    addr: SocketAddr,
    host: String,
    tls: Option<(Arc<rustls::ClientConfig>, String)>,
    head_timeout: Duration,
    body_timeout: Duration,
    first_byte_timeout: Duration,
    handshake_timeout: Duration,
    max_body: u64,
    skip_slow: bool,
}

/// A probe's connection, plain or TLS, over the TCP socket whose read timeout it sets.
trait Conn: Read + Write {
    fn tcp(&self) -> &TcpStream;
}

impl Conn for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Conn for StreamOwned<ClientConnection, TcpStream> {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }
}

/// What came back on one connection.
#[derive(Debug, Default)]
struct Seen {
    status: Option<u16>,
    /// The first byte that came back (a TLS record's content type, for the TLS probes).
    first_byte: Option<u8>,
    head: String,
    closed: bool,
    waited: Duration,
    error: Option<String>,
}

impl Seen {
    fn describe(&self) -> String {
        let status = match (self.status, self.first_byte) {
            (Some(s), _) => s.to_string(),
            (None, Some(TLS_ALERT)) => "a TLS alert".to_owned(),
            (None, Some(_)) => "bytes that are no HTTP answer".to_owned(),
            (None, None) => "no answer".to_owned(),
        };
        let close = if self.closed { "closed" } else { "kept open" };
        match &self.error {
            Some(e) => format!("{status}, {close} ({e})"),
            None => format!("{status}, {close} after {:.1} s", self.waited.as_secs_f64()),
        }
    }
}

fn connect(s: &Settings, layer: Layer) -> std::io::Result<Box<dyn Conn>> {
    let tcp = TcpStream::connect_timeout(&s.addr, ANSWER_WAIT)?;
    tcp.set_nodelay(true)?;
    match (&s.tls, layer) {
        (None, _) | (_, Layer::Tcp) => Ok(Box::new(tcp)),
        (Some((config, sni)), Layer::Http) => {
            let name = server_name(sni).map_err(std::io::Error::other)?;
            let conn =
                ClientConnection::new(config.clone(), name).map_err(std::io::Error::other)?;
            Ok(Box::new(StreamOwned::new(conn, tcp)))
        }
    }
}

/// What a probe's bytes go over: HTTP (inside TLS with `--tls`), or the bare TCP connection
/// (a TLS probe's own records, or plain HTTP sent to a TLS port).
#[derive(Clone, Copy)]
enum Layer {
    Http,
    Tcp,
}

/// Sends `parts` (pausing `gap` between them), then reads until the peer closes or `wait`
/// passes, keeping the status line and head of the first answer.
fn exchange(s: &Settings, parts: &[Vec<u8>], gap: Duration, wait: Duration) -> Seen {
    exchange_over(s, Layer::Http, parts, gap, wait)
}

fn exchange_over(
    s: &Settings,
    layer: Layer,
    parts: &[Vec<u8>],
    gap: Duration,
    wait: Duration,
) -> Seen {
    let start = Instant::now();
    let mut seen = Seen::default();
    let mut conn = match connect(s, layer) {
        Ok(c) => c,
        Err(e) => {
            seen.error = Some(format!("connect: {e}"));
            return seen;
        }
    };
    for (i, part) in parts.iter().enumerate() {
        if i > 0 && !gap.is_zero() {
            // Listen while trickling: a server that gave up has answered and closed by now.
            read_answer(conn.as_mut(), &mut seen, Instant::now() + gap);
            if seen.closed {
                break;
            }
        }
        // A server that refuses early may close while the rest is still being written.
        if conn.write_all(part).and_then(|_| conn.flush()).is_err() {
            break;
        }
    }
    // Sending may have outlasted `wait` (a trickle): what the server said is still read.
    let deadline = (start + wait).max(Instant::now() + Duration::from_millis(500));
    read_answer(conn.as_mut(), &mut seen, deadline);
    seen.waited = start.elapsed();
    seen
}

fn read_answer(conn: &mut dyn Conn, seen: &mut Seen, mut deadline: Instant) {
    let mut got = Vec::new();
    let mut buf = [0u8; 16 << 10];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        if conn
            .tcp()
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .is_err()
        {
            break;
        }
        match conn.read(&mut buf) {
            Ok(0) => {
                seen.closed = true;
                break;
            }
            Ok(n) => {
                if got.is_empty() {
                    // An answer has begun: a server that closes does so right after it.
                    deadline = deadline.min(Instant::now() + CLOSE_WAIT);
                }
                if got.len() < 64 << 10 {
                    got.extend_from_slice(&buf[..n]);
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break
            }
            Err(_) => {
                // A reset (or a TLS close without close_notify) is a close.
                seen.closed = true;
                break;
            }
        }
    }
    if seen.first_byte.is_none() {
        seen.first_byte = got.first().copied();
    }
    let text = String::from_utf8_lossy(&got);
    if let Some(head) = text
        .split("\r\n\r\n")
        .next()
        .filter(|_| text.contains("\r\n"))
    {
        seen.head = head.to_owned();
        seen.status = head
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok());
    }
}

/// One catalogue entry: its number, what it sends, and whether what came back is the answer.
struct Probe {
    item: &'static str,
    what: String,
    expect: &'static str,
    run: Box<dyn Fn(&Settings) -> Seen>,
    judge: fn(&Seen) -> bool,
    slow: bool,
    tls_only: bool,
}

fn refused_with(seen: &Seen, codes: &[u16]) -> bool {
    seen.status.is_some_and(|c| codes.contains(&c)) && seen.closed
}

fn bad_request(seen: &Seen) -> bool {
    refused_with(seen, &[400])
}

fn framing_refused(seen: &Seen) -> bool {
    refused_with(seen, &[400, 501])
}

fn too_large(seen: &Seen) -> bool {
    refused_with(seen, &[413, 400])
}

fn closed_by_deadline(seen: &Seen) -> bool {
    seen.closed && seen.status.is_none_or(|c| c == 408)
}

fn answered(seen: &Seen) -> bool {
    seen.status.is_some_and(|c| c < 500 && c != 400)
}

fn request(s: &Settings, method: &str, target: &str, headers: &str) -> Vec<u8> {
    format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\n{headers}\r\n",
        s.host
    )
    .into_bytes()
}

/// A TLS record's content type for an alert.
const TLS_ALERT: u8 = 0x15;

/// An SSLv2-format CLIENT-HELLO (the old compatibility hello) offering one SSLv2 cipher, with
/// a 16-byte challenge.
const SSLV2_HELLO: [u8; 30] = [
    0x80, 0x1c, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10, 0x01, 0x00, 0x80, 0x8b, 0x2c,
    0x11, 0x7e, 0x4f, 0x9a, 0x30, 0x55, 0x61, 0x03, 0x97, 0x2d, 0xe1, 0x5a, 0x5a, 0x5a,
];

/// A minimal ClientHello record for protocol `version` (also the record's), offering
/// TLS_RSA_WITH_AES_128_CBC_SHA and the `compression` methods, with no extensions: nothing a
/// TLS 1.2/1.3-only server with modern suites accepts.
fn client_hello(version: u16, compression: &[u8]) -> Vec<u8> {
    let mut body = version.to_be_bytes().to_vec();
    body.extend_from_slice(&[0x5a; 32]);
    body.push(0);
    body.extend_from_slice(&[0x00, 0x02, 0x00, 0x2f]);
    body.push(compression.len() as u8);
    body.extend_from_slice(compression);
    let mut handshake = vec![0x01, 0x00];
    handshake.extend_from_slice(&(body.len() as u16).to_be_bytes());
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16];
    record.extend_from_slice(&version.to_be_bytes());
    record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

fn once(bytes: impl Fn(&Settings) -> Vec<u8> + 'static) -> Box<dyn Fn(&Settings) -> Seen> {
    Box::new(move |s| exchange(s, &[bytes(s)], Duration::ZERO, ANSWER_WAIT))
}

fn raw(text: &'static str) -> Box<dyn Fn(&Settings) -> Seen> {
    once(move |_| text.as_bytes().to_vec())
}

fn probe(
    item: &'static str,
    what: impl Into<String>,
    expect: &'static str,
    run: Box<dyn Fn(&Settings) -> Seen>,
    judge: fn(&Seen) -> bool,
) -> Probe {
    Probe {
        item,
        what: what.into(),
        expect,
        run,
        judge,
        slow: false,
        tls_only: false,
    }
}

fn catalogue() -> Vec<Probe> {
    let mut p = Vec::new();
    for size in [
        "80000000",
        "80000001",
        "fffffffe",
        "ffffffffffffffff",
        "100000000000000000000",
    ] {
        p.push(probe(
            "1",
            format!("chunk size {size}"),
            "413/400 + close",
            once(move |s| {
                let mut r = request(s, "POST", "/", "Transfer-Encoding: chunked\r\n");
                r.extend_from_slice(format!("{size}\r\nabc").as_bytes());
                r
            }),
            too_large,
        ));
    }
    p.push(probe(
        "2",
        "Content-Length 100000000, body never sent",
        "413 + close at once",
        once(|s| request(s, "POST", "/", "Content-Length: 100000000\r\n")),
        too_large,
    ));
    p.push(probe(
        "3",
        "endless chunked body",
        "413 + close",
        Box::new(|s| {
            let chunk = {
                let mut c = b"10000\r\n".to_vec();
                c.extend(std::iter::repeat_n(b'x', 0x10000));
                c.extend_from_slice(b"\r\n");
                c
            };
            let mut parts = vec![request(s, "POST", "/", "Transfer-Encoding: chunked\r\n")];
            let chunks = s.max_body / 0x10000 + 16;
            parts.extend((0..chunks).map(|_| chunk.clone()));
            exchange(s, &parts, Duration::ZERO, ANSWER_WAIT)
        }),
        too_large,
    ));
    let framing: [(&'static str, &'static str, &'static str); 14] = [
        (
            "4",
            "Content-Length with Transfer-Encoding: chunked",
            "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
        ),
        (
            "5",
            "Transfer-Encoding: xchunked",
            "Transfer-Encoding: xchunked\r\nContent-Length: 3\r\n",
        ),
        (
            "5",
            "Transfer-Encoding: chunked, identity",
            "Transfer-Encoding: chunked, identity\r\nContent-Length: 3\r\n",
        ),
        (
            "6",
            "two Transfer-Encoding headers",
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",
        ),
        (
            "7",
            "Transfer-Encoding : chunked (space before colon)",
            "Transfer-Encoding : chunked\r\n",
        ),
        (
            "8",
            "Content-Length 3 and 4",
            "Content-Length: 3\r\nContent-Length: 4\r\n",
        ),
        ("8", "Content-Length +3", "Content-Length: +3\r\n"),
        ("8", "Content-Length 3 , 4", "Content-Length: 3 , 4\r\n"),
        ("8", "Content-Length 0x3", "Content-Length: 0x3\r\n"),
        ("8", "Content-Length -1", "Content-Length: -1\r\n"),
        (
            "8",
            "Content-Length of 30 digits",
            "Content-Length: 100000000000000000000000000000\r\n",
        ),
        ("10", "obs-fold", "X-A: a\r\n b\r\n"),
        ("11", "bare CR in a value", "X-A: a\rb\r\n"),
        ("14", "NUL in a value", "X-A: a\0b\r\n"),
    ];
    for (item, what, headers) in framing {
        p.push(probe(
            item,
            what,
            "400/501 + close",
            once(move |s| {
                let mut r = request(s, "POST", "/", headers);
                r.extend_from_slice(b"abc");
                r
            }),
            framing_refused,
        ));
    }
    p.push(probe(
        "9",
        "Transfer-Encoding in HTTP/1.0",
        "400 + close",
        once(|s| {
            format!(
                "POST / HTTP/1.0\r\nHost: {}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                s.host
            )
            .into_bytes()
        }),
        bad_request,
    ));
    p.push(probe(
        "12",
        "HTTP/1.1 without Host",
        "400 + close",
        raw("GET / HTTP/1.1\r\n\r\n"),
        bad_request,
    ));
    p.push(probe(
        "12",
        "two different Host headers",
        "400 + close",
        raw("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        bad_request,
    ));
    p.push(probe(
        "13",
        "HTTP/9.9",
        "505 + close",
        once(|s| format!("GET / HTTP/9.9\r\nHost: {}\r\n\r\n", s.host).into_bytes()),
        |seen| refused_with(seen, &[505]),
    ));
    p.push(probe(
        "13",
        "HTTP/01.1",
        "400/505 + close",
        once(|s| format!("GET / HTTP/01.1\r\nHost: {}\r\n\r\n", s.host).into_bytes()),
        |seen| refused_with(seen, &[400, 505]),
    ));
    p.push(probe(
        "15",
        "9 KiB request line",
        "414 + close",
        once(|s| request(s, "GET", &format!("/{}", "a".repeat(9 << 10)), "")),
        |seen| refused_with(seen, &[414]),
    ));
    p.push(probe(
        "15",
        "100 KiB request line",
        "414 + close",
        once(|s| request(s, "GET", &format!("/{}", "a".repeat(100 << 10)), "")),
        |seen| refused_with(seen, &[414]),
    ));
    p.push(probe(
        "16",
        "one 9 KiB header field",
        "431 + close",
        once(|s| request(s, "GET", "/", &format!("X-A: {}\r\n", "a".repeat(9 << 10)))),
        |seen| refused_with(seen, &[431, 400]),
    ));
    p.push(probe(
        "16",
        "a 70 KiB head of 7 KiB fields",
        "431 + close",
        once(|s| {
            let fields: String = (0..10)
                .map(|i| format!("X-{i}: {}\r\n", "a".repeat(7 << 10)))
                .collect();
            request(s, "GET", "/", &fields)
        }),
        |seen| refused_with(seen, &[431]),
    ));
    p.push(probe(
        "17",
        "10 000 header fields",
        "431 + close",
        once(|s| {
            let fields: String = (0..10_000).map(|i| format!("a{i}:b\r\n")).collect();
            request(s, "GET", "/", &fields)
        }),
        |seen| refused_with(seen, &[431]),
    ));
    for target in [
        "/../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc/passwd",
        "/a/%00/b",
    ] {
        p.push(probe(
            "31",
            format!("path traversal {target}"),
            "400/404, no file outside the root",
            once(move |s| request(s, "GET", target, "Connection: close\r\n")),
            |seen| matches!(seen.status, Some(400 | 403 | 404)),
        ));
    }
    p.push(probe(
        "32",
        "%0d%0a in the path",
        "400, no injected header",
        once(|s| request(s, "GET", "/a%0d%0aX-Injected:%201", "Connection: close\r\n")),
        |seen| seen.status.is_some() && !seen.head.to_ascii_lowercase().contains("x-injected"),
    ));
    p.push(probe(
        "33",
        "absolute-form target",
        "400/403/405",
        once(|s| request(s, "GET", "http://evil.example/", "Connection: close\r\n")),
        |seen| matches!(seen.status, Some(400 | 403 | 405)),
    ));
    p.push(probe(
        "33",
        "CONNECT",
        "400/403/405",
        raw("CONNECT 203.0.113.1:443 HTTP/1.1\r\nHost: 203.0.113.1:443\r\nConnection: close\r\n\r\n"),
        |seen| matches!(seen.status, Some(400 | 403 | 405)),
    ));
    p.push(probe(
        "36",
        "first segment \"GE\", the rest 100 ms later",
        "served",
        Box::new(|s| {
            let rest = request(s, "GET", "/", "Connection: close\r\n");
            exchange(
                s,
                &[b"GE".to_vec(), rest[2..].to_vec()],
                Duration::from_millis(100),
                ANSWER_WAIT,
            )
        }),
        answered,
    ));
    p.push(probe(
        "41",
        "HTTP/2 preface (prior knowledge)",
        "an answer or a close, never a crash",
        raw("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
        |seen| seen.error.is_none(),
    ));
    p.push(Probe {
        slow: true,
        ..probe(
            "18",
            "slowloris head, one byte a second",
            "closed at the head deadline",
            Box::new(|s| {
                let head = request(s, "GET", "/", "X-Slow: ");
                let mut parts = vec![head];
                let bytes = (s.head_timeout + DEADLINE_SLACK).as_secs() + 2;
                parts.extend((0..bytes).map(|_| b"a".to_vec()));
                exchange(
                    s,
                    &parts,
                    Duration::from_secs(1),
                    s.head_timeout + DEADLINE_SLACK,
                )
            }),
            closed_by_deadline,
        )
    });
    p.push(Probe {
        slow: true,
        ..probe(
            "19",
            "slow body, Content-Length 1000 and no byte after the head",
            "408/close at the body deadline",
            Box::new(|s| {
                exchange(
                    s,
                    &[request(s, "POST", "/", "Content-Length: 1000\r\n")],
                    Duration::ZERO,
                    s.body_timeout + DEADLINE_SLACK,
                )
            }),
            closed_by_deadline,
        )
    });
    p.push(Probe {
        slow: true,
        ..probe(
            "21",
            "a connection that sends nothing",
            "closed at the first-byte deadline",
            Box::new(|s| {
                exchange(
                    s,
                    &[],
                    Duration::ZERO,
                    s.first_byte_timeout + DEADLINE_SLACK,
                )
            }),
            |seen| seen.closed,
        )
    });
    p.push(Probe {
        tls_only: true,
        ..probe(
            "25",
            "plain HTTP to the TLS port",
            "400 or close",
            Box::new(|s| {
                let plain = request(s, "GET", "/", "");
                exchange_over(s, Layer::Tcp, &[plain], Duration::ZERO, ANSWER_WAIT)
            }),
            |seen| seen.closed,
        )
    });
    for (what, hello) in [
        ("a TLS 1.0-only ClientHello", client_hello(0x0301, &[0x00])),
        ("an SSLv3-only ClientHello", client_hello(0x0300, &[0x00])),
        (
            "a ClientHello offering DEFLATE compression",
            client_hello(0x0303, &[0x01, 0x00]),
        ),
        ("an SSLv2-compatible ClientHello", SSLV2_HELLO.to_vec()),
    ] {
        p.push(Probe {
            tls_only: true,
            ..probe(
                "23",
                what,
                "a TLS alert and close",
                Box::new(move |s| {
                    exchange_over(
                        s,
                        Layer::Tcp,
                        std::slice::from_ref(&hello),
                        Duration::ZERO,
                        ANSWER_WAIT,
                    )
                }),
                |seen| seen.closed && seen.first_byte == Some(TLS_ALERT),
            )
        });
    }
    p.push(Probe {
        tls_only: true,
        slow: true,
        ..probe(
            "22",
            "a partial ClientHello (16 03 01 02 00 01)",
            "closed at the handshake deadline",
            Box::new(|s| {
                let partial = vec![0x16, 0x03, 0x01, 0x02, 0x00, 0x01];
                let wait = s.handshake_timeout + DEADLINE_SLACK;
                exchange_over(s, Layer::Tcp, &[partial], Duration::ZERO, wait)
            }),
            |seen| seen.closed,
        )
    });
    p.push(probe(
        "-",
        "the server still answers",
        "served",
        once(|s| request(s, "GET", "/", "Connection: close\r\n")),
        answered,
    ));
    p
}

fn millis(v: &str, flag: &str) -> Result<Duration, String> {
    v.parse()
        .map(Duration::from_millis)
        .map_err(|_| format!("{flag} takes milliseconds, not {v:?}"))
}

fn parse_args(args: &[String]) -> Result<Settings, String> {
    let target = args
        .first()
        .ok_or("usage: hostile HOST:PORT [--tls] [--sni NAME] [--host NAME] [--head-timeout-ms N] [--body-timeout-ms N] [--first-byte-timeout-ms N] [--handshake-timeout-ms N] [--max-body BYTES] [--skip-slow]")?;
    let addr = target
        .to_socket_addrs()
        .map_err(|e| format!("{target}: {e}"))?
        .next()
        .ok_or_else(|| format!("{target}: no address"))?;
    let mut s = Settings {
        addr,
        host: target.clone(),
        tls: None,
        head_timeout: Duration::from_secs(10),
        body_timeout: Duration::from_secs(30),
        first_byte_timeout: Duration::from_secs(30),
        handshake_timeout: Duration::from_secs(10),
        max_body: 16 << 20,
        skip_slow: false,
    };
    let (mut tls, mut sni) = (false, None);
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        let mut value = || rest.next().cloned().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--tls" => tls = true,
            "--skip-slow" => s.skip_slow = true,
            "--sni" => sni = Some(value()?),
            "--host" => s.host = value()?,
            "--head-timeout-ms" => s.head_timeout = millis(&value()?, flag)?,
            "--body-timeout-ms" => s.body_timeout = millis(&value()?, flag)?,
            "--first-byte-timeout-ms" => s.first_byte_timeout = millis(&value()?, flag)?,
            "--handshake-timeout-ms" => s.handshake_timeout = millis(&value()?, flag)?,
            "--max-body" => {
                let v = value()?;
                s.max_body = v.parse().map_err(|_| format!("--max-body {v:?}"))?;
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if tls {
        let config = client_config(&TlsOptions::default()).map_err(|e| e.to_string())?;
        let name = sni.unwrap_or_else(|| addr.ip().to_string());
        s.tls = Some((config, name));
    }
    Ok(s)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let settings = match parse_args(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hostile: {e}");
            std::process::exit(2);
        }
    };
    let mut failed = 0;
    println!("| item | probe | expected | seen | result |");
    println!("| --- | --- | --- | --- | --- |");
    for p in catalogue() {
        if p.tls_only && settings.tls.is_none() {
            continue;
        }
        if p.slow && settings.skip_slow {
            println!("| {} | {} | {} | - | skipped |", p.item, p.what, p.expect);
            continue;
        }
        let seen = (p.run)(&settings);
        let pass = (p.judge)(&seen);
        if !pass {
            failed += 1;
        }
        println!(
            "| {} | {} | {} | {} | {} |",
            p.item,
            p.what,
            p.expect,
            seen.describe(),
            if pass { "PASS" } else { "FAIL" }
        );
    }
    println!("{failed} failed");
    std::process::exit(i32::from(failed > 0));
}
