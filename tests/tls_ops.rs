//! Operating an HTTPS server without restarting it, through `c-examples/tlsops/tls_ops_server.cpp`
//! (libhv's C++ API plus hv-rs' additions): certificates chosen by SNI, reloaded while
//! connections stay open, the client certificate a handler sees, a graceful drain, and
//! SO_REUSEPORT. Which certificate a handshake got is read with `openssl s_client`; knobs come
//! from `HV_` environment variables.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use common::{build, connect, curl, free_port, read_to_close, Cert, Program, WAIT};

fn server() -> PathBuf {
    build("tls_ops_server", &["c-examples/tlsops/tls_ops_server.cpp"])
}

fn start(args: &[&str], env: &[(&str, &str)]) -> Program {
    let mut p = Program::start_env(&server(), args, env);
    p.expect("listening");
    p
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The base64 body of the first certificate in PEM `text`, lines joined.
fn first_cert(text: &str) -> String {
    text.lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE-----"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END CERTIFICATE-----"))
        .collect()
}

fn cert_of(file: &Path) -> String {
    let body = first_cert(&std::fs::read_to_string(file).unwrap());
    assert!(!body.is_empty(), "no certificate in {}", file.display());
    body
}

/// The certificate a fresh handshake on `port` is served, asking for `sni` (none: no SNI);
/// empty when the handshake fails.
fn served(port: u16, sni: Option<&str>) -> String {
    let mut cmd = Command::new("timeout");
    cmd.args(["10", "openssl", "s_client", "-connect"])
        .arg(format!("127.0.0.1:{port}"));
    match sni {
        Some(name) => cmd.args(["-servername", name]),
        None => cmd.arg("-noservername"),
    };
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .expect("openssl");
    first_cert(&String::from_utf8_lossy(&out.stdout))
}

/// What `openssl s_client` reports on stderr for a handshake asking for `sni`.
fn handshake_errors(port: u16, sni: &str) -> String {
    let out = Command::new("timeout")
        .args(["10", "openssl", "s_client", "-servername", sni, "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .output()
        .expect("openssl");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn sni_picks_the_certificate_and_unknown_names_get_the_default_or_unrecognized_name() {
    let default = Cert::generate("sni-default", &["default.test"]);
    let a = Cert::generate("sni-a", &["a.test"]);
    let wild = Cert::generate("sni-wild", &["*.wild.test"]);
    let tp = free_port().to_string();
    let args = [
        "0",
        &tp,
        path(&default.cert),
        path(&default.key),
        "--sni",
        "a.test",
        path(&a.cert),
        path(&a.key),
        "--sni",
        "*.wild.test",
        path(&wild.cert),
        path(&wild.key),
    ];
    let port: u16 = tp.parse().unwrap();

    let p = start(&args, &[]);
    assert_eq!(served(port, Some("a.test")), cert_of(&a.cert));
    assert_eq!(served(port, Some("x.wild.test")), cert_of(&wild.cert));
    assert_eq!(served(port, Some("unknown.test")), cert_of(&default.cert));
    assert_eq!(served(port, None), cert_of(&default.cert));
    let resolve = format!("a.test:{tp}:127.0.0.1");
    assert_eq!(
        curl(&[
            "--cacert",
            path(&a.cert),
            "--resolve",
            &resolve,
            &format!("https://a.test:{tp}/ping")
        ])
        .trim(),
        "pong",
        "curl verifies a.test's own certificate"
    );
    drop(p);

    let b = Cert::generate("sni-b", &["b.test"]);
    let more = format!("b.test={},{}", path(&b.cert), path(&b.key));
    let _strict = start(
        &args,
        &[("HV_REFUSE_UNKNOWN_SNI", "on"), ("HV_SNI_CERTS", &more)],
    );
    assert_eq!(
        served(port, Some("b.test")),
        cert_of(&b.cert),
        "added through the environment"
    );
    assert_eq!(served(port, Some("unknown.test")), "", "refused");
    let errors = handshake_errors(port, "unknown.test");
    assert!(
        errors.contains("unrecognized name") && errors.contains("alert number 112"),
        "{errors}"
    );
    assert_eq!(served(port, Some("a.test")), cert_of(&a.cert));
    assert_eq!(
        served(port, Some("default.test")),
        cert_of(&default.cert),
        "a name the default certificate covers is no unknown name"
    );
    assert_eq!(served(port, None), cert_of(&default.cert));
}

/// An `openssl s_client` keeping one TLS connection open; its stdout lines are the answers.
fn tls_session(port: u16) -> Program {
    Program::start(
        Path::new("openssl"),
        &[
            "s_client",
            "-quiet",
            "-verify_quiet",
            "-crlf",
            "-servername",
            "localhost",
            "-connect",
            &format!("127.0.0.1:{port}"),
        ],
    )
}

fn ping_over(session: &mut Program) {
    session.send("GET /ping HTTP/1.1");
    session.send("Host: localhost");
    session.send("");
    session.expect("pong");
}

#[test]
fn reload_serves_new_certificates_to_new_handshakes_and_keeps_open_connections() {
    let live = Cert::generate("reload-live", &["localhost"]);
    let next = Cert::generate("reload-next", &["localhost"]);
    let other = Cert::generate("reload-other", &["localhost"]);
    let sni = Cert::generate("reload-sni", &["sni.test"]);
    let sni_next = Cert::generate("reload-sni-next", &["sni.test"]);
    let port = free_port();
    let tp = port.to_string();
    let mut p = start(
        &[
            "0",
            &tp,
            path(&live.cert),
            path(&live.key),
            "--sni",
            "sni.test",
            path(&sni.cert),
            path(&sni.key),
        ],
        &[],
    );
    let first = cert_of(&live.cert);
    assert_eq!(served(port, Some("localhost")), first);
    let mut open = tls_session(port);
    ping_over(&mut open);

    std::fs::copy(&next.cert, &live.cert).unwrap();
    std::fs::copy(&next.key, &live.key).unwrap();
    std::fs::copy(&sni_next.cert, &sni.cert).unwrap();
    std::fs::copy(&sni_next.key, &sni.key).unwrap();
    p.send("reload");
    p.expect("reload ok");
    let second = cert_of(&next.cert);
    assert_ne!(first, second);
    assert_eq!(served(port, Some("localhost")), second, "a new handshake");
    assert_eq!(
        served(port, Some("sni.test")),
        cert_of(&sni_next.cert),
        "SNI certificates are read again too"
    );
    ping_over(&mut open);
    assert!(open.try_status().is_none(), "the open connection survived");

    std::fs::write(&live.cert, "not a certificate").unwrap();
    p.send("reload");
    p.expect("reload failed");
    std::fs::copy(&other.cert, &live.cert).unwrap();
    p.send("reload");
    p.expect("reload failed");
    assert_eq!(
        served(port, Some("localhost")),
        second,
        "a bad file or a certificate not matching its key keeps the old certificate"
    );
    ping_over(&mut open);
}

#[test]
fn handlers_see_the_verified_client_certificate() {
    let server_cert = Cert::generate("mtls-server", &["localhost"]);
    let mut params = rcgen::CertificateParams::new(vec!["client.test".to_owned()]).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "alice");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "Example");
    let key = rcgen::KeyPair::generate().unwrap();
    let client = params.self_signed(&key).unwrap();
    let (client_crt, client_key) = (
        server_cert.dir.join("client.crt"),
        server_cert.dir.join("client.key"),
    );
    std::fs::write(&client_crt, client.pem()).unwrap();
    std::fs::write(&client_key, key.serialize_pem()).unwrap();

    let (hp, tp) = (free_port().to_string(), free_port().to_string());
    let _p = start(
        &[
            &hp,
            &tp,
            path(&server_cert.cert),
            path(&server_cert.key),
            "--ca",
            path(&client_crt),
        ],
        &[],
    );
    let resolve = format!("localhost:{tp}:127.0.0.1");
    let who = curl(&[
        "--cacert",
        path(&server_cert.cert),
        "--resolve",
        &resolve,
        "--cert",
        path(&client_crt),
        "--key",
        path(&client_key),
        &format!("https://localhost:{tp}/whoami"),
    ])
    .trim()
    .to_owned();
    assert!(
        who.contains("CN=alice") && who.contains("O=Example"),
        "{who}"
    );
    assert!(
        who.ends_with(&format!(" der={}", client.der().len())),
        "{who}"
    );
    assert_eq!(
        curl(&[&format!("http://127.0.0.1:{hp}/whoami")]).trim(),
        "none der=0",
        "no certificate over plain HTTP"
    );
}

fn send_get(port: u16, target: &str) -> TcpStream {
    let mut s = connect(port);
    write!(s, "GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    s
}

/// Connects until the port refuses (the listeners close soon after the drain starts).
fn wait_refused(port: u16) {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        match TcpStream::connect(("127.0.0.1", port)) {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => return,
            _ => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
    panic!("port {port} still accepts during the drain");
}

#[test]
fn graceful_stop_finishes_in_flight_requests_and_refuses_new_connections() {
    let cert = Cert::generate("drain", &["localhost"]);
    let hp = free_port();
    let tp = free_port().to_string();
    let mut p = start(
        &[&hp.to_string(), &tp, path(&cert.cert), path(&cert.key)],
        &[],
    );
    let mut idle = send_get(hp, "/ping");
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).ends_with("pong\n") {
        let mut buf = [0u8; 512];
        let n = idle.read(&mut buf).unwrap();
        assert!(n > 0, "closed before its answer");
        seen.extend_from_slice(&buf[..n]);
    }
    let mut slow = send_get(hp, "/slow");
    p.expect("slow waiting");
    let h2 = Command::new("curl")
        .args(["-sS", "--max-time", "20", "--http2-prior-knowledge"])
        .arg(format!("http://127.0.0.1:{hp}/slow"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    p.expect("slow waiting");

    p.send("drain 30000");
    p.expect("drain started");
    wait_refused(hp);
    assert_eq!(
        read_to_close(&mut idle),
        "",
        "an idle keep-alive connection is closed"
    );
    p.send("release");
    p.expect("released 2");
    let answer = read_to_close(&mut slow);
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.ends_with("slow done"),
        "{answer}"
    );
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    let h2 = h2.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&h2.stdout), "slow done", "HTTP/2");
    p.expect("drained");
    p.send("quit");
    assert_eq!(p.wait(), 0);
}

#[test]
fn graceful_stop_closes_what_is_left_at_its_deadline() {
    let cert = Cert::generate("drain-deadline", &["localhost"]);
    let hp = free_port();
    let tp = free_port().to_string();
    let mut p = start(
        &[&hp.to_string(), &tp, path(&cert.cert), path(&cert.key)],
        &[],
    );
    let mut slow = send_get(hp, "/slow");
    p.expect("slow waiting");
    p.send("stop-accept");
    p.expect("accept stopped");
    wait_refused(hp);
    p.send("drain 200");
    p.expect("drained");
    assert_eq!(read_to_close(&mut slow), "", "closed unanswered");
    p.send("release");
    p.send("quit");
    assert_eq!(p.wait(), 0);
}

#[test]
fn reuse_port_lets_two_processes_share_a_port() {
    let cert = Cert::generate("reuseport", &["localhost"]);
    let hp = free_port();
    let tp = free_port().to_string();
    let args = [&hp.to_string(), &tp, path(&cert.cert), path(&cert.key)];
    let on = [("HV_REUSE_PORT", "on")];
    let (_a, _b) = (start(&args, &on), start(&args, &on));
    let mut pids = std::collections::BTreeSet::new();
    for _ in 0..200 {
        let mut s = connect(hp);
        s.write_all(b"GET /pid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let answer = read_to_close(&mut s);
        let (_, pid) = answer.split_once("\r\n\r\n").expect("a whole answer");
        pids.insert(pid.to_owned());
        if pids.len() == 2 {
            break;
        }
    }
    assert_eq!(pids.len(), 2, "both processes answered: {pids:?}");

    let mut third = Program::start(&server(), &args);
    third.expect("start failed");
    assert_eq!(third.wait(), 1, "without reuse_port the port is taken");
}

fn kill(p: &Program, signal: i32) {
    let pid = libc::pid_t::try_from(p.pid()).unwrap();
    // SAFETY: kill(2) only sends a signal, to the program this test started.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal})");
}

#[test]
fn sighup_reloads_and_sigterm_drains_when_the_knobs_say_so() {
    let live = Cert::generate("signals", &["localhost"]);
    let next = Cert::generate("signals-next", &["localhost"]);
    let (hp, tp) = (free_port(), free_port());
    let mut p = start(
        &[
            &hp.to_string(),
            &tp.to_string(),
            path(&live.cert),
            path(&live.key),
        ],
        &[
            ("HV_RELOAD_ON_SIGHUP", "on"),
            ("HV_DRAIN_ON_SIGTERM", "on"),
            ("HV_DRAIN_TIMEOUT_MS", "20000"),
        ],
    );
    std::fs::copy(&next.cert, &live.cert).unwrap();
    std::fs::copy(&next.key, &live.key).unwrap();
    kill(&p, libc::SIGHUP);
    let wanted = cert_of(&next.cert);
    let deadline = Instant::now() + WAIT;
    while served(tp, Some("localhost")) != wanted {
        assert!(Instant::now() < deadline, "SIGHUP did not reload");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    let mut slow = send_get(hp, "/slow");
    p.expect("slow waiting");
    kill(&p, libc::SIGTERM);
    wait_refused(hp);
    assert!(
        p.try_status().is_none(),
        "SIGTERM drains, the process lives"
    );
    p.send("release");
    p.expect("released 1");
    let answer = read_to_close(&mut slow);
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.ends_with("slow done"),
        "{answer}"
    );

    // Once the drain has stopped the server, SIGTERM ends the process as it did before.
    let deadline = Instant::now() + WAIT;
    while p.try_status().is_none() {
        assert!(
            Instant::now() < deadline,
            "a SIGTERM nobody takes must end the process"
        );
        kill(&p, libc::SIGTERM);
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(p.wait(), -1, "ended by the signal");
}

#[test]
fn tcp_server_serves_sni_certificates_and_reloads_them_with_a_connection_open() {
    let exe = build("tls_tcp_server", &["c-examples/tlsops/tls_tcp_server.cpp"]);
    let live = Cert::generate("tcp-live", &["localhost"]);
    let next = Cert::generate("tcp-next", &["localhost"]);
    let sni = Cert::generate("tcp-sni", &["echo.test"]);
    let port = free_port();
    let mut p = Program::start(
        &exe,
        &[
            &port.to_string(),
            path(&live.cert),
            path(&live.key),
            "--sni",
            "echo.test",
            path(&sni.cert),
            path(&sni.key),
        ],
    );
    p.expect("listening");
    assert_eq!(served(port, Some("echo.test")), cert_of(&sni.cert));
    assert_eq!(served(port, Some("other.test")), cert_of(&live.cert));
    let mut open = tls_session(port);
    open.send("hello before");
    open.expect("hello before");

    std::fs::copy(&next.cert, &live.cert).unwrap();
    std::fs::copy(&next.key, &live.key).unwrap();
    p.send("reload");
    p.expect("reload ok");
    assert_eq!(served(port, Some("other.test")), cert_of(&next.cert));
    std::fs::write(&sni.key, "not a key").unwrap();
    p.send("reload");
    p.expect("reload failed");
    assert_eq!(
        served(port, Some("echo.test")),
        cert_of(&sni.cert),
        "a bad SNI file keeps the old certificates"
    );
    open.send("hello after");
    open.expect("hello after");
    p.send("quit");
    assert_eq!(p.wait(), 0);
}

#[test]
fn http2_drain_refuses_new_streams_and_finishes_open_ones() {
    use http_body_util::{BodyExt, Full};
    let cert = Cert::generate("drain-h2", &["localhost"]);
    let hp = free_port();
    let tp = free_port().to_string();
    let mut p = start(
        &[&hp.to_string(), &tp, path(&cert.cert), path(&cert.key)],
        &[],
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let get = move |target: &str| {
        hyper::Request::builder()
            .uri(format!("http://127.0.0.1:{hp}{target}"))
            .body(Full::new(bytes::Bytes::new()))
            .unwrap()
    };
    let (mut sender, slow) = rt.block_on(async {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", hp))
            .await
            .unwrap();
        let (mut sender, conn) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(tcp),
        )
        .await
        .unwrap();
        tokio::spawn(conn);
        let slow = tokio::spawn(sender.send_request(get("/slow")));
        (sender, slow)
    });
    // The client's tasks run only inside block_on: let them send the request meanwhile.
    let deadline = Instant::now() + WAIT;
    while p.count_within("slow waiting", std::time::Duration::from_millis(20)) == 0 {
        assert!(Instant::now() < deadline, "the slow request did not arrive");
        rt.block_on(async { tokio::time::sleep(std::time::Duration::from_millis(20)).await });
    }
    p.send("drain 30000");
    p.expect("drain started");
    while rt.block_on(sender.send_request(get("/ping"))).is_ok() {
        assert!(Instant::now() < deadline, "new streams still served");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    p.send("release");
    p.expect("released 1");
    let body = rt.block_on(async {
        let resp = slow.await.unwrap().expect("the open stream is answered");
        assert_eq!(resp.status(), 200);
        resp.into_body().collect().await.unwrap().to_bytes()
    });
    assert_eq!(&body[..], b"slow done");
    p.expect("drained");
    p.send("quit");
    assert_eq!(p.wait(), 0);
}
