//! Use-after-free and data races in the C/C++ glue, each driven by a program from
//! `c-examples/races/` that hits the race window many times. Built with sanitizers, a regression
//! shows as an AddressSanitizer report; without them as a crash or a failed check.

mod common;

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{build, Program};

/// Runs a program to its end and asserts it succeeded, with its output in the message.
fn run_ok(name: &str, sources: &[&str], args: &[&str]) -> Vec<String> {
    let exe = build(name, sources);
    let mut p = Program::start(&exe, args);
    let rc = p.wait();
    assert_eq!(rc, 0, "{name} failed:\n{}", p.seen.join("\n"));
    p.seen.clone()
}

#[test]
fn get_channel_by_id_and_contexts_from_other_threads_while_connections_churn() {
    let out = run_ok(
        "races_channel_lookup",
        &["c-examples/races/channel_lookup.cpp"],
        &["1500"],
    );
    assert!(out.iter().any(|l| l == "live=0"), "{out:?}");
    let found = out
        .iter()
        .find_map(|l| l.strip_prefix("lookups="))
        .and_then(|l| l.split("found=").nth(1))
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    assert!(
        found > 0,
        "the lookups never met a live connection: {out:?}"
    );
}

/// One `GET path` on a fresh connection; the whole answer, or what went wrong.
fn get(port: u16, path: &str) -> Result<String, String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(common::WAIT)).unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[test]
fn service_changes_after_start_leave_the_running_handlers_intact() {
    let exe = build(
        "races_middleware_reload",
        &["c-examples/races/middleware_reload.cpp"],
    );
    let mut p = Program::start(&exe, &[]);
    let port: u16 = p
        .expect("ready on port")
        .rsplit(' ')
        .next()
        .and_then(|w| w.parse().ok())
        .expect("a port");
    let changing = Arc::new(AtomicBool::new(true));
    let clients: Vec<_> = (0..3)
        .map(|_| {
            let changing = changing.clone();
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(60);
                let mut answers = Vec::new();
                // Requests while the service changes, then a few after.
                let mut after = 0;
                while after < 5 && answers.len() < 5000 && Instant::now() < deadline {
                    if !changing.load(Ordering::Acquire) {
                        after += 1;
                    }
                    answers.push(get(port, "/ping"));
                }
                answers
            })
        })
        .collect();
    p.send("change");
    p.expect("changed 400");
    changing.store(false, Ordering::Release);
    let answers: Vec<_> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    p.close_stdin();
    let rc = p.wait();
    assert_eq!(rc, 0, "the server failed:\n{}", p.seen.join("\n"));
    assert!(answers.len() >= 15, "{} answers", answers.len());
    for a in &answers {
        let a = a.as_ref().expect("an answer").to_ascii_lowercase();
        assert!(
            a.starts_with("http/1.1 200") && a.contains("\r\nx-first: 1\r\n"),
            "{a}"
        );
    }
}

#[test]
fn destroying_a_server_on_an_external_loop_waits_for_its_running_callback() {
    let out = run_ok(
        "races_server_teardown",
        &["c-examples/races/server_teardown.cpp"],
        &["20"],
    );
    assert_eq!(
        out.iter().filter(|l| l.ends_with(" ok")).count(),
        20,
        "{out:?}"
    );
    assert_eq!(out.last().map(String::as_str), Some("done"));
}

#[test]
fn callbacks_replaced_before_a_server_is_dropped_never_run_after_the_drop() {
    use hv::event_loop::EventLoop;
    use hv::tcp::{Handlers, TcpServer};
    use std::sync::atomic::AtomicUsize;
    use std::sync::mpsc;

    let el = EventLoop::new();
    let runner = {
        let el = el.clone();
        std::thread::spawn(move || el.run().unwrap())
    };
    let srv = TcpServer::new(Some(el.clone()));
    srv.createsocket(0, "127.0.0.1").unwrap();
    srv.set_thread_num(0);
    let dropped = Arc::new(AtomicBool::new(false));
    let late = Arc::new(AtomicUsize::new(0));
    let (connected_tx, connected) = mpsc::channel();
    let (d, l) = (dropped.clone(), late.clone());
    srv.set_handlers(Handlers::new(
        Some(Box::new(move |ch| {
            if ch.is_connected() {
                let _ = connected_tx.send(());
            } else if d.load(Ordering::SeqCst) {
                l.fetch_add(1, Ordering::SeqCst);
            }
        })),
        None,
        None,
    ));
    srv.start(true).unwrap();
    let mut client = common::connect(srv.local_addr().unwrap().port());
    connected.recv_timeout(common::WAIT).unwrap();
    // The accepted connection keeps the first set; the server now holds another.
    srv.set_handlers(Handlers::default());
    // Hold the loop while the server is dropped, so the connection's close (and its
    // disconnect callback) can only run afterwards.
    let (release_tx, release) = mpsc::channel::<()>();
    el.queue_in_loop(Box::new(move || {
        let _ = release.recv_timeout(common::WAIT);
    }));
    drop(srv);
    dropped.store(true, Ordering::SeqCst);
    release_tx.send(()).unwrap();
    let mut rest = Vec::new();
    let _ = client.read_to_end(&mut rest);
    el.stop();
    runner.join().unwrap();
    assert_eq!(
        late.load(Ordering::SeqCst),
        0,
        "a callback ran after the drop"
    );
}

#[test]
fn response_body_fed_back_into_itself_from_c() {
    let exe = build(
        "races_body_from_itself",
        &["c-examples/races/body_from_itself.c"],
    );
    let mut p = Program::start(&exe, &[]);
    let port: u16 = p
        .expect("listening port")
        .rsplit(' ')
        .next()
        .and_then(|w| w.parse().ok())
        .expect("a port");
    let answer = get(port, "/self").expect("an answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head");
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("\r\nx-original: kept value"), "{head}");
    assert!(head.contains("\r\nx-copy: kept value"), "{head}");
    let full = "0123456789".repeat(4096) + &"3456".repeat(200);
    let expected = &full[5..full.len() - 5];
    assert_eq!(body.len(), expected.len());
    assert!(body == expected, "the body differs from the expected copy");
    p.close_stdin();
    assert_eq!(p.wait(), 0, "{}", p.seen.join("\n"));
}
