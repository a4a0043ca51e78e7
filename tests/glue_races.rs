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
