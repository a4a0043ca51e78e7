//! The Rust HTTP core over real sockets: raw HTTP/1.1 bytes, and curl for HTTP/1.1, h2c and
//! HTTPS with h2 by ALPN.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use hyper::Method;

use common::curl;
use hv::http::{Exchange, HttpServer, Service, STATUS_NEXT};

fn text(ex: &mut Exchange, body: &str) -> i32 {
    ex.resp.body = body.as_bytes().to_vec();
    ex.resp.set_header("content-type", b"text/plain").unwrap();
    200
}

fn service() -> Service {
    let mut s = Service::default();
    s.route(Method::GET, "/ping", Arc::new(|ex| text(ex, "pong")));
    s.route(
        Method::GET,
        "/user/{id}",
        Arc::new(|ex| {
            let id = ex.req.param("id").unwrap_or("").to_owned();
            text(ex, &format!("user {id}"))
        }),
    );
    s.route(Method::GET, "/user/me", Arc::new(|ex| text(ex, "me")));
    s.route(
        Method::POST,
        "/echo",
        Arc::new(|ex| {
            ex.resp.body = ex.req.body.to_vec();
            200
        }),
    );
    s.route(
        Method::GET,
        "/query",
        Arc::new(|ex| {
            let q = format!("{:?} {}", ex.req.param("a"), ex.req.url);
            text(ex, &q)
        }),
    );
    s.route(
        Method::GET,
        "/async",
        Arc::new(|ex| {
            let writer = ex.writer.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                writer.set_header("content-type", b"text/plain").unwrap();
                writer.write(b"from another thread").unwrap();
                writer.end().unwrap();
            });
            STATUS_NEXT
        }),
    );
    s.route(
        Method::GET,
        "/stream",
        Arc::new(|ex| {
            let writer = ex.writer.clone();
            std::thread::spawn(move || {
                writer.end_headers().unwrap();
                for i in 0..3 {
                    writer.write(format!("chunk{i};").as_bytes()).unwrap();
                }
                writer.end().unwrap();
            });
            STATUS_NEXT
        }),
    );
    s.route(
        Method::GET,
        "/forgotten",
        Arc::new(|ex| {
            ex.writer.write(b"partial").unwrap();
            STATUS_NEXT
        }),
    );
    s.route(Method::GET, "/teapot", Arc::new(|_| 418));
    s
}

/// A plain HTTP server on an ephemeral port with two worker loops.
fn start() -> (HttpServer, u16) {
    let srv = HttpServer::new();
    srv.set_host("127.0.0.1");
    srv.set_service(service());
    srv.set_thread_num(2);
    srv.start().unwrap();
    let port = srv.bound()[0].0.port();
    (srv, port)
}

fn raw_bytes(port: u16, request: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

fn raw(port: u16, request: &[u8]) -> String {
    String::from_utf8_lossy(&raw_bytes(port, request)).into_owned()
}

#[test]
fn http1_routes_errors_and_pipelining() {
    let (_srv, port) = start();
    let two = raw(
        port,
        b"GET /ping HTTP/1.1\r\nHost: a\r\n\r\nGET /user/me HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    let first = two.find("pong").expect("first answer");
    let second = two.find("\r\n\r\nme").expect("second answer");
    assert!(first < second, "pipelined answers in order: {two}");
    assert!(two.starts_with("HTTP/1.1 200 OK\r\n"));
    assert!(
        two.contains("Server: libhv\r\n"),
        "no version disclosed, libhv's header case: {two}"
    );

    let r = get(port, "/user/42?x=1", "");
    assert!(r.ends_with("user 42"), "{r}");
    let r = get(port, "/nope", "");
    assert!(
        r.starts_with("HTTP/1.1 404 Not Found") && r.contains("Content-Length: 140\r\n"),
        "{r}"
    );
    let r = raw(
        port,
        b"DELETE /ping HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert!(
        r.starts_with("HTTP/1.1 405") && r.contains("Allow: GET, HEAD\r\n"),
        "{r}"
    );
    let r = raw(
        port,
        b"HEAD /ping HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert!(
        r.starts_with("HTTP/1.1 200") && r.contains("Content-Length: 4\r\n") && !r.contains("pong"),
        "{r}"
    );
    let r = get(port, "/teapot", "");
    assert!(
        r.starts_with("HTTP/1.1 418") && r.contains("<title>418 I'm a teapot</title>"),
        "{r}"
    );
    let r = raw(
        port,
        b"GET /query?a=x+y&b=2 HTTP/1.1\r\nHost: h:1\r\nConnection: close\r\n\r\n",
    );
    assert!(
        r.ends_with("Some(\"x y\") http://h:1/query?a=x+y&b=2"),
        "{r}"
    );
}

#[test]
fn writer_answers_from_other_threads_streams_and_completes_when_dropped() {
    let (_srv, port) = start();
    let r = get(port, "/async", "");
    assert!(
        r.starts_with("HTTP/1.1 200") && r.ends_with("from another thread"),
        "{r}"
    );
    let r = get(port, "/stream", "");
    assert!(
        r.to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{r}"
    );
    for i in 0..3 {
        assert!(r.contains(&format!("chunk{i};")), "{r}");
    }
    let r = get(port, "/forgotten", "");
    assert!(
        r.starts_with("HTTP/1.1 200") && r.ends_with("partial"),
        "{r}"
    );
}

#[test]
fn oversized_body_gets_413() {
    let (_srv, port) = start();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 17000000\r\n\r\n")
        .unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..17 {
        if s.write_all(&chunk).is_err() {
            break;
        }
    }
    let mut out = vec![0u8; 64];
    let n = s.read(&mut out).unwrap();
    assert!(String::from_utf8_lossy(&out[..n]).starts_with("HTTP/1.1 413"));
}

#[test]
fn curl_over_http1_h2c_and_https_h2() {
    let dir = std::env::temp_dir().join(format!("hv-http-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (crt, key) = (dir.join("c.pem"), dir.join("k.pem"));
    std::fs::write(&crt, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.key_pair.serialize_pem()).unwrap();
    let tls = hv::tls::server_config(&hv::tls::TlsOptions {
        crt_file: Some(crt.clone()),
        key_file: Some(key),
        ..Default::default()
    })
    .unwrap();
    let srv = HttpServer::new();
    srv.set_host("127.0.0.1");
    srv.set_service(service());
    srv.set_tls(Some(tls));
    let (p, tp) = (free_port(), free_port());
    srv.set_ports(p, tp);
    srv.start().unwrap();

    let url = format!("http://127.0.0.1:{p}/ping");
    assert_eq!(curl(&[&url]), "pong");
    assert_eq!(
        curl(&["--http2-prior-knowledge", "-w", " %{http_version}", &url]),
        "pong 2"
    );
    let surl = format!("https://localhost:{tp}/user/7");
    let resolve = format!("localhost:{tp}:127.0.0.1");
    let crt_s = crt.to_str().unwrap();
    assert_eq!(
        curl(&[
            "--cacert",
            crt_s,
            "--resolve",
            &resolve,
            "-w",
            " %{http_version}",
            &surl
        ]),
        "user 7 2"
    );
    assert_eq!(
        curl(&[
            "--http1.1",
            "--cacert",
            crt_s,
            "--resolve",
            &resolve,
            "-w",
            " %{http_version}",
            &surl
        ]),
        "user 7 1.1"
    );
    let echo = format!("https://localhost:{tp}/echo");
    assert_eq!(
        curl(&[
            "--cacert",
            crt_s,
            "--resolve",
            &resolve,
            "-d",
            "hello h2",
            &echo
        ]),
        "hello h2"
    );
    srv.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn status_of(resp: &str) -> u16 {
    resp.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn get(port: u16, target: &str, extra: &str) -> String {
    raw(
        port,
        format!("GET {target} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n{extra}\r\n").as_bytes(),
    )
}

#[test]
fn static_files_ranges_caching_listing_and_no_escape() {
    let root = std::env::temp_dir().join(format!("hv-static-{}", std::process::id()));
    let www = root.join("www");
    std::fs::create_dir_all(www.join("sub")).unwrap();
    std::fs::write(www.join("index.html"), "<h1>home</h1>").unwrap();
    std::fs::write(www.join("a.txt"), "0123456789").unwrap();
    std::fs::write(www.join("blob.unknownext"), "?").unwrap();
    std::fs::write(www.join("sub/inner.txt"), "inner").unwrap();
    std::fs::write(root.join("outside.txt"), "secret").unwrap();
    let big: Vec<u8> = (0..5_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(www.join("big.bin"), &big).unwrap();
    std::os::unix::fs::symlink("/etc", www.join("escape")).unwrap();
    std::os::unix::fs::symlink("../outside.txt", www.join("link.txt")).unwrap();

    let mut svc = service();
    svc.static_files.add("/", &www);
    svc.static_files.index_of = "/sub/".into();
    let srv = HttpServer::new();
    srv.set_host("127.0.0.1");
    srv.set_service(svc);
    srv.start().unwrap();
    let port = srv.bound()[0].0.port();

    let home = get(port, "/", "");
    assert!(
        home.starts_with("HTTP/1.1 200")
            && home.contains("Content-Type: text/html; charset=utf-8")
            && home.ends_with("<h1>home</h1>"),
        "{home}"
    );
    let a = get(port, "/a.txt", "");
    assert!(
        a.ends_with("0123456789") && a.contains("Accept-Ranges: bytes"),
        "{a}"
    );
    let etag = a
        .lines()
        .find_map(|l| l.strip_prefix("Etag: "))
        .expect("ETag")
        .to_string();
    let modified = a
        .lines()
        .find_map(|l| l.strip_prefix("Last-Modified: "))
        .expect("Last-Modified")
        .to_string();
    assert_eq!(
        status_of(&get(port, "/a.txt", &format!("If-None-Match: {etag}\r\n"))),
        304
    );
    assert_eq!(
        status_of(&get(
            port,
            "/a.txt",
            &format!("If-Modified-Since: {modified}\r\n")
        )),
        304
    );
    let part = get(port, "/a.txt", "Range: bytes=2-5\r\n");
    assert!(
        part.starts_with("HTTP/1.1 206")
            && part.contains("Content-Range: bytes 2-5/10")
            && part.ends_with("\r\n\r\n2345"),
        "{part}"
    );
    let bad = get(port, "/a.txt", "Range: bytes=50-\r\n");
    assert!(
        bad.starts_with("HTTP/1.1 416") && bad.contains("Content-Range: bytes */10"),
        "{bad}"
    );
    let head = raw(
        port,
        b"HEAD /a.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert!(
        head.contains("Content-Length: 10\r\n") && head.ends_with("\r\n\r\n"),
        "{head}"
    );
    let whole = raw_bytes(
        port,
        b"GET /big.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    let body_at = whole.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(
        whole[body_at..] == big[..],
        "a large file is streamed whole and intact"
    );
    let blob = get(port, "/blob.unknownext", "");
    assert!(
        blob.contains("Content-Type: application/octet-stream\r\n"),
        "{blob}"
    );
    let listing = get(port, "/sub/", "");
    assert!(
        listing.contains("Index of /sub/") && listing.contains("inner.txt"),
        "{listing}"
    );
    assert_eq!(
        status_of(&get(port, "/sub", "")),
        404,
        "a directory without '/'"
    );
    assert_eq!(status_of(&get(port, "/nothing.txt", "")), 404);

    for attack in [
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/sub/..%2f..%2foutside.txt",
        "/a.txt%00",
        "/sub%5c..%5c..%5coutside.txt",
        "/./../outside.txt",
    ] {
        let r = get(port, attack, "");
        assert_eq!(status_of(&r), 400, "{attack}: {r}");
        assert!(!r.contains("secret"));
    }
    for escape in ["/escape/passwd", "/escape/hostname", "/link.txt"] {
        let r = get(port, escape, "");
        assert_eq!(status_of(&r), 404, "symlink out of the root: {escape}: {r}");
    }
    srv.stop();
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn hostile_targets_and_processor() {
    let (_srv, port) = start();
    for (req, want) in [
        (
            &b"GET /ping%0d%0aSet-Cookie:%20x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"[..],
            400,
        ),
        (
            b"GET /a%00b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            400,
        ),
        (
            b"GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
            403,
        ),
        (
            b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nConnection: close\r\n\r\n",
            403,
        ),
    ] {
        let r = raw(port, req);
        assert_eq!(status_of(&r), want, "{}: {r}", String::from_utf8_lossy(req));
        assert!(!r.contains("Set-Cookie"));
    }

    let mut svc = service();
    svc.processor = Some(Arc::new(|ex| text(ex, "processed")));
    let srv = HttpServer::new();
    srv.set_host("127.0.0.1");
    srv.set_service(svc);
    srv.start().unwrap();
    let p = srv.bound()[0].0.port();
    assert!(
        get(p, "/ping", "").ends_with("processed"),
        "the processor replaces routing"
    );
    assert!(get(p, "/anything", "").ends_with("processed"));
}

#[test]
fn reverse_and_forward_proxying() {
    let (_upstream, up) = start();
    let mut svc = Service::default();
    svc.proxies.add("/api/", &format!("http://127.0.0.1:{up}/"));
    svc.proxies.add("/dead/", "http://127.0.0.1:1/");
    svc.proxies.forward_enabled = true;
    svc.proxies.trust.push("127.0.0.*".into());
    svc.route(Method::GET, "/local", Arc::new(|ex| text(ex, "local")));
    let srv = HttpServer::new();
    srv.set_host("127.0.0.1");
    srv.set_service(svc);
    srv.start().unwrap();
    let p = srv.bound()[0].0.port();

    assert_eq!(curl(&[&format!("http://127.0.0.1:{p}/api/ping")]), "pong");
    assert_eq!(
        curl(&[&format!("http://127.0.0.1:{p}/api/user/5")]),
        "user 5"
    );
    assert_eq!(
        curl(&["-d", "through", &format!("http://127.0.0.1:{p}/api/echo")]),
        "through"
    );
    assert_eq!(curl(&[&format!("http://127.0.0.1:{p}/local")]), "local");
    let dead = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &format!("http://127.0.0.1:{p}/dead/x"),
    ]);
    assert_eq!(dead, "502");
    // forward proxy: curl -x sends absolute-form targets
    let proxy = format!("http://127.0.0.1:{p}");
    assert_eq!(
        curl(&["-x", &proxy, &format!("http://127.0.0.1:{up}/ping")]),
        "pong"
    );
    let refused = curl(&[
        "-x",
        &proxy,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "http://localhost:9/",
    ]);
    assert_eq!(refused, "403", "an untrusted host is refused");

    // CONNECT: HTTPS through the forward proxy to a TLS server on this machine
    let dir = std::env::temp_dir().join(format!("hv-connect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let (crt, key) = (dir.join("c.pem"), dir.join("k.pem"));
    std::fs::write(&crt, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.key_pair.serialize_pem()).unwrap();
    let tls_server = HttpServer::new();
    tls_server.set_host("127.0.0.1");
    tls_server.set_service(service());
    tls_server.set_tls(Some(
        hv::tls::server_config(&hv::tls::TlsOptions {
            crt_file: Some(crt.clone()),
            key_file: Some(key),
            ..Default::default()
        })
        .unwrap(),
    ));
    let tp = free_port();
    tls_server.set_ports(free_port(), tp);
    tls_server.start().unwrap();
    let through = curl(&[
        "-x",
        &proxy,
        "--cacert",
        crt.to_str().unwrap(),
        &format!("https://127.0.0.1:{tp}/user/tunnel"),
    ]);
    assert_eq!(through, "user tunnel", "CONNECT tunnels to a trusted host");
    tls_server.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn worker_hooks_connection_cap_and_keepalive_timeout() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let started = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let (s1, s2) = (started.clone(), stopped.clone());
    let srv = HttpServer::new();
    srv.set_host("127.0.0.1");
    srv.set_service(service());
    srv.set_thread_num(1);
    srv.set_worker_connections(2);
    srv.set_keepalive_timeout(300);
    srv.set_worker_hooks(Arc::new(move |el, starting| {
        // onWorkerStart runs on the running loop; onWorkerStop on its thread after the loop ended.
        assert_eq!(el.is_in_loop_thread(), starting);
        if starting { &s1 } else { &s2 }.fetch_add(1, Ordering::SeqCst);
    }));
    srv.start().unwrap();
    let port = srv.bound()[0].0.port();
    assert_eq!(started.load(Ordering::SeqCst), 1);

    let open = || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(b"GET /ping HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 256];
        let n = s.read(&mut buf).unwrap();
        (s, String::from_utf8_lossy(&buf[..n]).into_owned())
    };
    let (mut a, first) = open();
    let (_b, second) = open();
    assert!(first.ends_with("pong") && second.ends_with("pong"));
    let mut third = TcpStream::connect(("127.0.0.1", port)).unwrap();
    third
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = third.write_all(b"GET /ping HTTP/1.1\r\nHost: a\r\n\r\n");
    let mut buf = [0u8; 64];
    assert!(
        matches!(third.read(&mut buf), Ok(0) | Err(_)),
        "a third connection is closed unanswered"
    );

    // idle past keepalive_timeout: the server closes
    let mut rest = Vec::new();
    assert_eq!(a.read_to_end(&mut rest).unwrap_or(0), 0);
    srv.stop();
    assert_eq!(stopped.load(Ordering::SeqCst), 1);
}

#[test]
fn http10_and_client_certificate_authentication() {
    let (_srv, port) = start();
    let r = raw(port, b"GET /ping HTTP/1.0\r\n\r\n");
    assert!(
        r.starts_with("HTTP/1.0 200 OK") && r.ends_with("pong"),
        "{r}"
    );

    let dir = std::env::temp_dir().join(format!("hv-http-mtls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write_pair = |tag: &str, name: &str| {
        let ck = rcgen::generate_simple_self_signed(vec![name.to_string()]).unwrap();
        let (crt, key) = (
            dir.join(format!("{tag}.crt")),
            dir.join(format!("{tag}.key")),
        );
        std::fs::write(&crt, ck.cert.pem()).unwrap();
        std::fs::write(&key, ck.key_pair.serialize_pem()).unwrap();
        (crt, key)
    };
    let (server_crt, server_key) = write_pair("server", "localhost");
    let (client_crt, client_key) = write_pair("client", "client");
    let tls = hv::tls::server_config(&hv::tls::TlsOptions {
        crt_file: Some(server_crt.clone()),
        key_file: Some(server_key),
        ca_file: Some(client_crt.clone()),
        verify_peer: true,
        ..Default::default()
    })
    .unwrap();
    let srv = HttpServer::new();
    srv.set_host("127.0.0.1");
    srv.set_service(service());
    srv.set_tls(Some(tls));
    let tp = free_port();
    srv.set_ports(free_port(), tp);
    srv.start().unwrap();
    let resolve = format!("localhost:{tp}:127.0.0.1");
    let url = format!("https://localhost:{tp}/ping");
    let (ca, cert, key) = (
        server_crt.to_str().unwrap(),
        client_crt.to_str().unwrap(),
        client_key.to_str().unwrap(),
    );
    assert_eq!(
        curl(&[
            "--cacert",
            ca,
            "--resolve",
            &resolve,
            "--cert",
            cert,
            "--key",
            key,
            &url
        ]),
        "pong"
    );
    let refused = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "10",
            "--cacert",
            ca,
            "--resolve",
            &resolve,
            &url,
        ])
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "no client certificate, no answer"
    );
    srv.stop();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn rust_http2_client_by_prior_knowledge() {
    use http_body_util::{BodyExt, Full};
    let (_srv, port) = start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answers = rt.block_on(async move {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let (mut sender, conn) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(tcp),
        )
        .await
        .unwrap();
        tokio::spawn(conn);
        let mut answers = Vec::new();
        for path in ["/ping", "/user/8", "/async"] {
            let req = hyper::Request::builder()
                .uri(format!("http://127.0.0.1:{port}{path}"))
                .body(Full::new(bytes::Bytes::new()))
                .unwrap();
            let resp = sender.send_request(req).await.unwrap();
            assert_eq!(resp.version(), hyper::Version::HTTP_2);
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            answers.push(String::from_utf8_lossy(&body).into_owned());
        }
        answers
    });
    assert_eq!(answers, vec!["pong", "user 8", "from another thread"]);
}

#[test]
fn connections_are_spread_over_both_worker_loops() {
    let tids = Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
    let seen = tids.clone();
    let mut s = Service::default();
    s.route(
        Method::GET,
        "/tid",
        Arc::new(move |ex| {
            seen.lock().unwrap().push(hv::event_loop::gettid());
            text(ex, "tid")
        }),
    );
    let srv = HttpServer::new();
    srv.set_host("127.0.0.1");
    srv.set_service(s);
    srv.set_thread_num(2);
    srv.start().unwrap();
    let port = srv.bound()[0].0.port();
    // Both stay open, so the second goes to the loop that has none.
    let mut conns: Vec<TcpStream> = (0..2)
        .map(|_| {
            let c = TcpStream::connect(("127.0.0.1", port)).unwrap();
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            c
        })
        .collect();
    for c in &mut conns {
        c.write_all(b"GET /tid HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 512];
        while !got.ends_with(b"tid") {
            let n = c.read(&mut buf).unwrap();
            assert!(n > 0, "answer cut short");
            got.extend_from_slice(&buf[..n]);
        }
    }
    let mut tids = tids.lock().unwrap().clone();
    tids.sort_unstable();
    tids.dedup();
    assert_eq!(tids.len(), 2, "one connection on each worker loop");
    srv.stop();
}
