//! Client policy against hostile traffic (hardening.md catalogue items 27-30, deny patterns,
//! drop, Host allow-list): a C++ service written as libhv users write it, hardened only through
//! `HV_` environment variables, driven over loopback with raw sockets. A second client address
//! is 127.0.0.2 (loopback accepts any 127/8 source). Each test also checks that the service
//! keeps serving others and that its open descriptors return to where they started.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use common::{build, free_port, sanitizer_env, Cert, WAIT};
use socket2::{Domain, Socket, Type};

const FIRST: [u8; 4] = [127, 0, 0, 1];
const SECOND: [u8; 4] = [127, 0, 0, 2];

fn gateway_exe() -> PathBuf {
    build("policy_gateway", &["c-examples/policy/gateway.cpp"])
}

/// The gateway, run with `env` (and under `prlimit` when `nofile` is given), its stderr kept
/// in a file so the tests can count log lines.
struct Gateway {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    port: u16,
    https_port: u16,
    dir: PathBuf,
    _cert: Option<Cert>,
}

impl Gateway {
    fn start(tag: &str, env: &[(&str, &str)], https: bool, nofile: Option<u32>) -> Gateway {
        Self::run(gateway_exe(), tag, env, https, nofile, &[])
    }

    fn run(
        exe: PathBuf,
        tag: &str,
        env: &[(&str, &str)],
        https: bool,
        nofile: Option<u32>,
        extra_args: &[&str],
    ) -> Gateway {
        let dir = std::env::temp_dir().join(format!("hv-rs-policy-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("secret.php"), "<?php secret ?>").unwrap();
        std::fs::write(dir.join("hello.txt"), "hello").unwrap();
        let port = free_port();
        let mut args = vec![port.to_string()];
        let mut https_port = 0;
        let cert = https.then(|| Cert::generate(&format!("policy-{tag}"), &["localhost"]));
        if let Some(c) = &cert {
            https_port = free_port();
            args.push(https_port.to_string());
            args.push(c.cert.display().to_string());
            args.push(c.key.display().to_string());
        }
        args.extend(extra_args.iter().map(|a| a.to_string()));
        let mut cmd = match nofile {
            Some(n) => {
                let mut c = Command::new("prlimit");
                c.arg(format!("--nofile={n}:{n}")).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.args(&args)
            .current_dir(&dir)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap());
        let mut child = sanitizer_env(&mut cmd)
            .spawn()
            .expect("starting the gateway");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let g = Gateway {
            child,
            stdin,
            lines,
            port,
            https_port,
            dir,
            _cert: cert,
        };
        let ready = g
            .lines
            .recv_timeout(WAIT)
            .expect("the gateway's ready line");
        assert!(ready.contains("ready"), "{ready}");
        g
    }

    /// The next output line containing `needle` (earlier ones are skipped).
    fn expect_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("no output line containing {needle:?}"),
            }
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .unwrap()
            .count()
    }

    /// Resident memory in KiB (`VmRSS` of `/proc/<pid>/status`).
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    /// CPU seconds the process has used (user + system, from `/proc/<pid>/stat`).
    fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap();
        let after_name = stat.rsplit_once(')').unwrap().1;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        // SAFETY: sysconf only reads a configuration value.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        ticks as f64 / per_second as f64
    }

    /// Waits until the open descriptors are back to `baseline` (connections closed server-side).
    fn assert_fds_return_to(&self, baseline: usize) {
        wait_until("descriptors back to the baseline", || {
            self.fds() <= baseline
        });
    }

    /// Ends the program through its stdin and checks it exits cleanly.
    fn finish(mut self) {
        self.stdin.take();
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "gateway exit: {status}\n{}",
                    self.stderr()
                );
                return;
            }
            assert!(Instant::now() < deadline, "the gateway did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `stderr` reports what `needle` names, in a few lines rather than one per event.
fn assert_throttled(stderr: &str, needle: &str) {
    let n = stderr.lines().filter(|l| l.contains(needle)).count();
    assert!((1..=4).contains(&n), "{n} lines with {needle:?}:\n{stderr}");
}

/// A TCP connection to 127.0.0.1:`port` from the source address `from`.
fn client(from: [u8; 4], port: u16) -> TcpStream {
    let sock = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    sock.bind(&SocketAddr::from((from, 0)).into()).unwrap();
    sock.connect(&SocketAddr::from((FIRST, port)).into())
        .unwrap();
    let s: TcpStream = sock.into();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s
}

/// Everything the server sends until it closes; empty when it closed without an answer.
fn read_all(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading the answer: {e}"),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One request on a connection of its own (`Connection: close`); `host` `None` sends an
/// HTTP/1.0 request without `Host`.
fn ask_on(mut s: TcpStream, path: &str, host: Option<&str>) -> String {
    let req = match host {
        Some(h) => format!("GET {path} HTTP/1.1\r\nHost: {h}\r\nConnection: close\r\n\r\n"),
        None => format!("GET {path} HTTP/1.0\r\n\r\n"),
    };
    if s.write_all(req.as_bytes()).is_err() {
        return String::new();
    }
    read_all(&mut s)
}

fn ask(from: [u8; 4], port: u16, path: &str, host: Option<&str>) -> String {
    ask_on(client(from, port), path, host)
}

fn status(answer: &str) -> Option<u16> {
    answer.split(' ').nth(1)?.parse().ok()
}

fn body(answer: &str) -> &str {
    answer.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

/// True once the server has closed `s` (EOF or reset), without blocking.
fn closed_by_server(s: &TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let mut b = [0u8; 1];
    let closed = match s.peek(&mut b) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != ErrorKind::WouldBlock,
    };
    s.set_nonblocking(false).unwrap();
    closed
}

/// `curl` from the source address `from` to the HTTPS listener; its output, or `None` when
/// the connection failed.
fn curl_https(from: &str, port: u16, path: &str) -> Option<String> {
    let out = Command::new("curl")
        .args(["-sk", "--max-time", "10", "--interface", from])
        .arg(format!("https://127.0.0.1:{port}{path}"))
        .output()
        .expect("curl");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Catalogue items 30 and 27 (scaled down): 50 connections from one address with a cap of 10
/// leave exactly 10 open, the rest closed at accept; connections to the HTTPS port that never
/// start their handshake are refused before TLS in the same way, while another address is
/// served on both listeners and each flooding address is served again once its connections
/// close; descriptors and resident memory come back down after the floods.
#[test]
fn per_ip_connection_cap_refuses_at_accept_before_tls() {
    let g = Gateway::start(
        "conns",
        &[
            ("HV_PER_IP_CONNECTIONS", "10"),
            ("HV_HANDSHAKE_TIMEOUT_MS", "60000"),
            ("HV_FIRST_BYTE_TIMEOUT_MS", "60000"),
        ],
        true,
        None,
    );
    // Each phase floods from an address of its own, so no connection of an earlier step
    // still holds a slot of it while the server closes that connection.
    assert_eq!(body(&ask(SECOND, g.port, "/ping", Some("h"))), "pong");
    assert_eq!(
        curl_https("127.0.0.2", g.https_port, "/ping").as_deref(),
        Some("pong")
    );
    let (baseline, rss_before) = (g.fds(), g.rss_kib());

    let mut conns: Vec<TcpStream> = (0..50).map(|_| client(FIRST, g.port)).collect();
    wait_until("40 of 50 connections refused", || {
        conns.iter().filter(|c| closed_by_server(c)).count() >= 40
    });
    assert_eq!(
        body(&ask(SECOND, g.port, "/whoami", Some("h"))),
        "127.0.0.2"
    );
    let (refused, open): (Vec<_>, Vec<_>) = conns.drain(..).partition(closed_by_server);
    assert_eq!((refused.len(), open.len()), (40, 10));
    for s in open {
        assert_eq!(body(&ask_on(s, "/ping", Some("h"))), "pong");
    }
    drop(refused);
    wait_until("the first address served again", || {
        body(&ask(FIRST, g.port, "/ping", Some("h"))) == "pong"
    });

    let third = [127, 0, 0, 3];
    let handshakes: Vec<TcpStream> = (0..30).map(|_| client(third, g.https_port)).collect();
    wait_until("20 of 30 TLS connections refused", || {
        handshakes.iter().filter(|c| closed_by_server(c)).count() >= 20
    });
    assert_eq!(
        curl_https("127.0.0.2", g.https_port, "/whoami").as_deref(),
        Some("127.0.0.2")
    );
    assert_eq!(curl_https("127.0.0.3", g.https_port, "/ping"), None);
    assert_eq!(
        handshakes.iter().filter(|c| closed_by_server(c)).count(),
        20
    );
    drop(handshakes);
    wait_until("the third address served over TLS again", || {
        curl_https("127.0.0.3", g.https_port, "/ping").as_deref() == Some("pong")
    });
    g.assert_fds_return_to(baseline);
    // Nothing of the flood stays behind (a generous bound: allocator caches may keep some).
    let rss_after = g.rss_kib();
    assert!(
        rss_after < rss_before + 16 * 1024,
        "RSS {rss_before} KiB before the floods, {rss_after} KiB after"
    );
    // 60 and more refusals, logged at most once per interval (5 s).
    assert_throttled(&g.stderr(), "per_ip_connections reached");
    g.finish();
}

/// Catalogue item 29 (scaled in time, not in kind): 10 requests per second with a burst of 5
/// from one address serve the burst and refuse the rest with 429 before the middleware runs;
/// another address is unaffected, and the first is served again once tokens refill. With the
/// `drop` action the excess is closed without an answer.
#[test]
fn per_ip_rate_limit_answers_429_or_drops() {
    let g = Gateway::start(
        "rate",
        &[("HV_PER_IP_RATE", "10"), ("HV_PER_IP_BURST", "5")],
        false,
        None,
    );
    let baseline = g.fds();
    let started = Instant::now();
    let statuses: Vec<Option<u16>> = (0..40)
        .map(|_| status(&ask(FIRST, g.port, "/ping", Some("h"))))
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    let served = statuses.iter().filter(|s| **s == Some(200)).count();
    let limited = statuses.iter().filter(|s| **s == Some(429)).count();
    assert_eq!(served + limited, 40, "{statuses:?}");
    assert!(
        statuses[..5].iter().all(|s| *s == Some(200)),
        "{statuses:?}"
    );
    // The bucket refills 10 a second: what was served is bounded by the burst plus the refill
    // during the measured sending time.
    let bound = 5 + (elapsed * 10.0).ceil() as usize + 1;
    assert!(
        served <= bound,
        "{served} served in {elapsed:.2}s: {statuses:?}"
    );
    assert!(limited > 0, "{statuses:?}");
    assert_eq!(status(&ask(SECOND, g.port, "/ping", Some("h"))), Some(200));
    wait_until("the first address served again", || {
        status(&ask(FIRST, g.port, "/ping", Some("h"))) == Some(200)
    });
    let mut calls = None;
    wait_until("a /calls answer", || {
        calls = body(&ask(SECOND, g.port, "/calls", Some("h")))
            .parse::<usize>()
            .ok();
        calls.is_some()
    });
    let calls = calls.unwrap();
    assert!(
        calls < 40,
        "refused requests reached the middleware: {calls}"
    );
    assert_throttled(&g.stderr(), "over per_ip_rate");
    g.assert_fds_return_to(baseline);
    g.finish();

    let g = Gateway::start(
        "rate-drop",
        &[
            ("HV_PER_IP_RATE", "1"),
            ("HV_PER_IP_BURST", "2"),
            ("HV_PER_IP_RATE_ACTION", "drop"),
        ],
        false,
        None,
    );
    let answers: Vec<String> = (0..6)
        .map(|_| ask(FIRST, g.port, "/ping", Some("h")))
        .collect();
    assert_eq!(status(&answers[0]), Some(200));
    assert!(answers.iter().any(String::is_empty), "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|a| a.is_empty() || status(a) == Some(200)),
        "{answers:?}"
    );
    assert_eq!(status(&ask(SECOND, g.port, "/ping", Some("h"))), Some(200));
    g.finish();
}

/// Deny patterns match the decoded, normalised path case-insensitively, before the middleware
/// and the static file handler, the first matching rule deciding; `drop` closes without a
/// byte, a status answers it; the Host
/// allow-list refuses other names and requests without Host.
#[test]
fn deny_patterns_and_host_allow_list_refuse_before_any_handler() {
    let g = Gateway::start(
        "deny",
        &[
            ("HV_DENY_PATHS", "*.php, /.env*=403, /wp-*=404"),
            ("HV_ALLOW_HOSTS", "api.example.com,*.example.org"),
            ("HV_HOST_ACTION", "421"),
        ],
        false,
        None,
    );
    let host = Some("api.example.com");
    let get = |path: &str| ask(FIRST, g.port, path, host);
    assert_eq!(body(&get("/static/hello.txt")), "hello");
    let baseline = g.fds();
    for dropped in [
        "/index.php",
        "/X.PHP",
        "/static/secret.php",
        "/static/secret.php?x=1",
        "/static/%2e%2e/a.php",
        "/a/%2E%2E/b/.././c.PhP",
        "/wp-admin/setup.php",
    ] {
        assert_eq!(get(dropped), "", "{dropped} was answered");
    }
    for (path, code) in [
        ("/.env", 403),
        ("/.env.local", 403),
        ("/static/../.env", 403),
        ("/%2e%65nv", 403),
        ("/wp-login", 404),
    ] {
        assert_eq!(status(&get(path)), Some(code), "{path}");
    }
    assert_eq!(body(&get("/ping")), "pong");
    assert_eq!(
        body(&ask(FIRST, g.port, "/ping", Some("a.example.org:8080"))),
        "pong"
    );
    assert_eq!(
        status(&ask(FIRST, g.port, "/ping", Some("evil.example.com"))),
        Some(421)
    );
    assert_eq!(status(&ask(FIRST, g.port, "/ping", None)), Some(421));
    // Over HTTP/2 a dropped request's stream is reset; the other streams are served.
    let h2 = |path: &str| {
        Command::new("curl")
            .args(["-s", "--http2-prior-knowledge", "--max-time", "10"])
            .args([
                "-H",
                "Host: api.example.com",
                "-o",
                "-",
                "-w",
                " %{http_code}",
            ])
            .arg(format!("http://127.0.0.1:{}{path}", g.port))
            .output()
            .expect("curl")
    };
    let denied = h2("/index.php");
    assert!(!denied.status.success(), "{denied:?}");
    let served = h2("/ping");
    assert_eq!(String::from_utf8_lossy(&served.stdout), "pong 200");
    // The middleware ran for the four static/ping requests above and this one only.
    assert_eq!(body(&get("/calls")), "5");
    // Dropped requests are logged as 444, answered ones with their status, plain HTTP as "-".
    let dropped = g.expect_line("\"GET /index.php HTTP/1.1\"");
    assert!(
        dropped.contains("\" 444 0 \"-\" \"-\" ") && dropped.ends_with(" -"),
        "{dropped}"
    );
    let env = g.expect_line("\"GET /.env HTTP/1.1\"");
    assert!(env.contains("\" 403 "), "{env}");
    g.assert_fds_return_to(baseline);
    g.finish();
}

/// Catalogue item 28: with a descriptor limit of 64 and 128 connections held open, accept
/// pauses instead of spinning (CPU far below wall time), logs a few lines, not one per
/// attempt, and serves again once the connections close.
#[test]
fn accept_backs_off_when_descriptors_run_out() {
    let g = Gateway::start("emfile", &[], false, Some(64));
    assert_eq!(body(&ask(FIRST, g.port, "/ping", Some("h"))), "pong");
    let baseline = g.fds();
    let conns: Vec<TcpStream> = (0..128).map(|_| client(FIRST, g.port)).collect();
    wait_until("the descriptor table full", || {
        g.stderr().contains("Too many open files")
    });
    let (cpu0, t0) = (g.cpu_seconds(), Instant::now());
    std::thread::sleep(Duration::from_secs(2));
    let (cpu, wall) = (g.cpu_seconds() - cpu0, t0.elapsed().as_secs_f64());
    assert!(
        cpu < wall / 4.0,
        "{cpu:.2}s CPU in {wall:.2}s while out of descriptors"
    );
    let log_lines = g
        .stderr()
        .lines()
        .filter(|l| l.contains("Too many open files"))
        .count();
    assert!(
        (1..=6).contains(&log_lines),
        "{log_lines} lines:\n{}",
        g.stderr()
    );
    drop(conns);
    wait_until("served again", || {
        body(&ask(FIRST, g.port, "/ping", Some("h"))) == "pong"
    });
    g.assert_fds_return_to(baseline);
    g.finish();
}

/// HAProxy from Debian, run in the foreground with `config`; killed when dropped.
struct Haproxy {
    child: Child,
    dir: PathBuf,
}

impl Haproxy {
    fn start(tag: &str, config: &str, ports: &[u16]) -> Haproxy {
        let dir = std::env::temp_dir().join(format!("hv-rs-haproxy-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cfg = dir.join("haproxy.cfg");
        std::fs::write(&cfg, config).unwrap();
        let exe = ["/usr/sbin/haproxy", "haproxy"]
            .into_iter()
            .find(|p| Command::new(p).arg("-v").output().is_ok())
            .expect("haproxy (scripts/setup.sh installs it)");
        let child = Command::new(exe)
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap())
            .spawn()
            .expect("starting haproxy");
        let h = Haproxy { child, dir };
        for &port in ports {
            wait_until("haproxy listening", || {
                TcpStream::connect(("127.0.0.1", port)).is_ok()
            });
        }
        h
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Reads from a keep-alive connection until `needle` has arrived.
fn read_until(s: &mut TcpStream, needle: &str) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&out).contains(needle) {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => panic!("reading: {e}"),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Contract §7's real peer: HAProxy in front of the gateway, `send-proxy` (v1) to the HTTP
/// port and `send-proxy-v2` to the HTTPS port (TLS passed through). The handler sees the
/// client's address, not HAProxy's; the per-IP cap counts clients, although every connection
/// comes from HAProxy; a trusted client's X-Forwarded-For is believed, an untrusted one's not;
/// a connection without a valid PROXY header is closed without an answer.
#[test]
fn haproxy_send_proxy_v1_and_v2_give_the_client_address() {
    let g = Gateway::start(
        "haproxy",
        &[
            ("HV_PROXY_PROTOCOL_HTTP", "on"),
            ("HV_PROXY_PROTOCOL_HTTPS", "on"),
            ("HV_PER_IP_CONNECTIONS", "2"),
            ("HV_TRUSTED_PROXIES", "127.0.0.4"),
        ],
        true,
        None,
    );
    let (v1_port, v2_port) = (free_port(), free_port());
    let config = format!(
        "defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n\
         frontend plain\n  bind 127.0.0.1:{v1_port}\n  default_backend gw_http\n\
         backend gw_http\n  server gw 127.0.0.1:{} send-proxy\n\
         frontend tls\n  bind 127.0.0.1:{v2_port}\n  default_backend gw_https\n\
         backend gw_https\n  server gw 127.0.0.1:{} send-proxy-v2\n",
        g.port, g.https_port
    );
    let _haproxy = Haproxy::start("proxy", &config, &[v1_port, v2_port]);

    assert_eq!(
        body(&ask(SECOND, v1_port, "/whoami", Some("h"))),
        "127.0.0.2"
    );
    assert_eq!(
        body(&ask(FIRST, v1_port, "/whoami", Some("h"))),
        "127.0.0.1"
    );
    assert_eq!(
        curl_https("127.0.0.2", v2_port, "/whoami").as_deref(),
        Some("127.0.0.2")
    );
    // The access log names the client too, with the TLS version HAProxy passed through.
    let line = g.expect_line("curl/");
    assert!(
        line.starts_with("access 127.0.0.2 - - [")
            && line.contains("] \"GET /whoami HTTP/2.0\" 200 9 \"-\" \"curl/")
            && line.ends_with(" TLSv1.3"),
        "{line}"
    );
    let baseline = g.fds();

    let third = [127, 0, 0, 3];
    let held: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut s = client(third, v1_port);
            s.write_all(b"GET /whoami HTTP/1.1\r\nHost: h\r\n\r\n")
                .unwrap();
            assert!(read_until(&mut s, "127.0.0.3").contains("127.0.0.3"));
            s
        })
        .collect();
    assert_eq!(
        ask(third, v1_port, "/whoami", Some("h")),
        "",
        "a third connection was served"
    );
    assert_eq!(
        body(&ask(SECOND, v1_port, "/whoami", Some("h"))),
        "127.0.0.2"
    );
    drop(held);
    wait_until("the third address served again", || {
        body(&ask(third, v1_port, "/whoami", Some("h"))) == "127.0.0.3"
    });

    let forwarded = |from: [u8; 4]| {
        let mut s = client(from, v1_port);
        s.write_all(
            b"GET /whoami HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 198.51.100.1, 203.0.113.9\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        body(&read_all(&mut s)).to_owned()
    };
    assert_eq!(forwarded([127, 0, 0, 4]), "203.0.113.9");
    assert_eq!(forwarded(SECOND), "127.0.0.2");

    assert_eq!(
        ask(FIRST, g.port, "/whoami", Some("h")),
        "",
        "no PROXY header"
    );
    let mut bogus = client(FIRST, g.port);
    bogus
        .write_all(b"PROXY TCP4 300.1.1.1 127.0.0.1 1 2\r\nGET /whoami HTTP/1.1\r\nHost: h\r\n\r\n")
        .unwrap();
    assert_eq!(read_all(&mut bogus), "", "malformed PROXY header answered");
    let mut bogus_tls = client(FIRST, g.https_port);
    // A TLS ClientHello where the PROXY header should be.
    bogus_tls
        .write_all(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03hello, PROXY")
        .unwrap();
    assert_eq!(read_all(&mut bogus_tls), "");
    g.assert_fds_return_to(baseline);
    g.finish();
}

/// The same policy set in code through `hv::HttpServer`'s hv-rs methods (`denyPath`,
/// `allowHost`, `trustProxy`, `setMaxConnectionsPerIp`, ...), bad values refused.
#[test]
fn cpp_methods_set_the_same_policy() {
    let exe = build("policy_methods", &["c-examples/policy/methods.cpp"]);
    let g = Gateway::run(exe, "methods", &[], false, None, &[]);
    let get = |path: &str, host: &str| ask(SECOND, g.port, path, Some(host));
    assert_eq!(body(&get("/ping", "localhost:80")), "pong");
    assert_eq!(body(&get("/ping", "a.example.org")), "pong");
    assert_eq!(get("/ping", "example.com"), "");
    assert_eq!(get("/x/y.PHP", "localhost"), "");
    assert_eq!(status(&get("/.env", "localhost")), Some(403));
    let mut s = client(FIRST, g.port);
    s.write_all(
        b"GET /whoami HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 203.0.113.5\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    assert_eq!(body(&read_all(&mut s)), "203.0.113.5");
    let conns: Vec<TcpStream> = (0..6).map(|_| client([127, 0, 0, 3], g.port)).collect();
    wait_until("2 of 6 connections refused", || {
        conns.iter().filter(|c| closed_by_server(c)).count() >= 2
    });
    assert_eq!(conns.iter().filter(|c| closed_by_server(c)).count(), 2);
    drop(conns);
    g.finish();
}

/// Catalogue item 28 for `TcpServer`: out of descriptors, its acceptor pauses too (CPU far
/// below wall time, a few log lines) and echoes again once connections close.
#[test]
fn tcp_server_accept_backs_off_when_descriptors_run_out() {
    let exe = build("policy_tcp_echo", &["c-examples/policy/tcp_echo.cpp"]);
    let g = Gateway::run(exe, "tcp-emfile", &[], false, Some(64), &["0"]);
    assert_eq!(echo(&mut client(FIRST, g.port), "warm"), "warm");
    let baseline = g.fds();
    let conns: Vec<TcpStream> = (0..128).map(|_| client(FIRST, g.port)).collect();
    wait_until("the descriptor table full", || {
        g.stderr().contains("Too many open files")
    });
    let (cpu0, t0) = (g.cpu_seconds(), Instant::now());
    std::thread::sleep(Duration::from_secs(2));
    let (cpu, wall) = (g.cpu_seconds() - cpu0, t0.elapsed().as_secs_f64());
    assert!(
        cpu < wall / 4.0,
        "{cpu:.2}s CPU in {wall:.2}s while out of descriptors"
    );
    assert_throttled(&g.stderr(), "Too many open files");
    drop(conns);
    wait_until("echoing again", || {
        let mut s = client(FIRST, g.port);
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        s.write_all(b"back").is_ok() && {
            let mut buf = [0u8; 4];
            s.read_exact(&mut buf).is_ok() && &buf == b"back"
        }
    });
    g.assert_fds_return_to(baseline);
    g.finish();
}

/// Writes `data` and reads the echo back.
fn echo(s: &mut TcpStream, data: &str) -> String {
    s.write_all(data.as_bytes()).unwrap();
    let mut buf = vec![0u8; data.len()];
    s.read_exact(&mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

/// Catalogue item 30 for `TcpServer`: the cap set in code (`setMaxConnectionsPerIp`), then
/// overridden by `HV_TCP_PER_IP_CONNECTIONS` together with `HV_TCP_PROXY_PROTOCOL`, where
/// the PROXY header's client is the channel's peer address and what the cap counts.
#[test]
fn tcp_server_caps_connections_per_ip_and_reads_proxy_headers() {
    let exe = build("policy_tcp_echo", &["c-examples/policy/tcp_echo.cpp"]);
    let g = Gateway::run(exe.clone(), "tcp", &[], false, None, &["3"]);
    let conns: Vec<TcpStream> = (0..5).map(|_| client(FIRST, g.port)).collect();
    wait_until("2 of 5 TCP connections refused", || {
        conns.iter().filter(|c| closed_by_server(c)).count() >= 2
    });
    let (refused, open): (Vec<_>, Vec<_>) = conns.into_iter().partition(closed_by_server);
    assert_eq!((refused.len(), open.len()), (2, 3));
    for mut s in open {
        assert_eq!(echo(&mut s, "ping"), "ping");
    }
    assert_eq!(echo(&mut client(SECOND, g.port), "other"), "other");
    g.finish();

    let g = Gateway::run(
        exe,
        "tcp-proxy",
        &[
            ("HV_TCP_PER_IP_CONNECTIONS", "1"),
            ("HV_TCP_PROXY_PROTOCOL", "on"),
            ("HV_TCP_HANDSHAKE_TIMEOUT_MS", "300"),
        ],
        false,
        None,
        &["3"],
    );
    let proxied = |client_addr: &str| {
        let mut s = client(FIRST, g.port);
        s.write_all(format!("PROXY TCP4 {client_addr} 127.0.0.1 4000 80\r\n").as_bytes())
            .unwrap();
        s
    };
    let mut first = proxied("192.0.2.9");
    assert_eq!(echo(&mut first, "hello"), "hello");
    let line = g.lines.recv_timeout(WAIT).expect("a connect line");
    assert_eq!(line, "connected 192.0.2.9:4000");
    let mut same = proxied("192.0.2.9");
    let _ = same.write_all(b"again");
    assert_eq!(
        read_all(&mut same),
        "",
        "a second connection of 192.0.2.9 was served"
    );
    assert_eq!(echo(&mut proxied("192.0.2.10"), "other"), "other");
    let mut bare = client(FIRST, g.port);
    let _ = bare.write_all(b"no proxy header here");
    assert_eq!(read_all(&mut bare), "");
    // tcp_handshake_timeout_ms from the environment (over the program's 10 s): a connection
    // that never sends its PROXY header is closed at 300 ms.
    let silent = client(FIRST, g.port);
    wait_until("a silent connection closed at the header deadline", || {
        closed_by_server(&silent)
    });
    g.finish();
}

/// HAProxy as an HTTP proxy (`option forwardfor`) in front of a gateway that trusts it
/// (`HV_TRUSTED_PROXIES=127.0.0.1`): the handler sees the client HAProxy names, and an
/// X-Forwarded-For the client forged itself is passed over (HAProxy appends the real address,
/// the rightmost untrusted one wins); sent directly from an untrusted address it is ignored.
#[test]
fn haproxy_forwardfor_is_believed_from_a_trusted_proxy_only() {
    let g = Gateway::start(
        "forwardfor",
        &[("HV_TRUSTED_PROXIES", "127.0.0.1")],
        false,
        None,
    );
    let port = free_port();
    let config = format!(
        "defaults\n  mode http\n  option forwardfor\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n\
         frontend web\n  bind 127.0.0.1:{port}\n  default_backend gw\n\
         backend gw\n  server gw 127.0.0.1:{}\n",
        g.port
    );
    let _haproxy = Haproxy::start("forwardfor", &config, &[port]);
    let whoami = |from: [u8; 4], port: u16, forged: bool| {
        let mut s = client(from, port);
        let xff = if forged {
            "X-Forwarded-For: 6.6.6.6\r\n"
        } else {
            ""
        };
        s.write_all(
            format!("GET /whoami HTTP/1.1\r\nHost: h\r\n{xff}Connection: close\r\n\r\n").as_bytes(),
        )
        .unwrap();
        body(&read_all(&mut s)).to_owned()
    };
    assert_eq!(whoami(SECOND, port, false), "127.0.0.2");
    assert_eq!(whoami(SECOND, port, true), "127.0.0.2");
    assert_eq!(whoami(SECOND, g.port, true), "127.0.0.2");
    let line = g.expect_line("\"GET /whoami HTTP/1.1\" 200");
    assert!(line.starts_with("access 127.0.0.2 - - ["), "{line}");
    g.finish();
}

/// A CONNECT the policy refuses with a status (here the Host allow-list) leaves the connection
/// speaking HTTP: the next request on it is answered, where it used to wait forever for a
/// tunnel that was never opened.
#[test]
fn a_connect_refused_by_the_policy_leaves_the_connection_serving() {
    let g = Gateway::start(
        "connect",
        &[
            ("HV_ALLOW_HOSTS", "api.example.com"),
            ("HV_HOST_ACTION", "421"),
        ],
        false,
        None,
    );
    let mut s = client(FIRST, g.port);
    s.write_all(b"CONNECT evil.test:443 HTTP/1.1\r\nHost: evil.test:443\r\n\r\n")
        .unwrap();
    let mut first = vec![0u8; 12];
    s.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 421");
    s.write_all(
        b"GET /static/hello.txt HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let rest = read_all(&mut s);
    assert!(
        rest.contains("HTTP/1.1 200") && rest.ends_with("hello"),
        "{rest}"
    );
    g.finish();
}
