//! Programs that end with servers still running, as libhv's httpd does: `exit()` from a signal
//! handler, an `atexit` handler, or the static destructors after `main` returns. Each must stop
//! cleanly (exit status 0, bounded time, the open connection's disconnect callback run), the
//! library must print no panic on stderr, and no log line may be lost.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{build, free_port, WAIT};

/// Starts the program, opens an HTTP keep-alive connection and a TCP connection, ends it the
/// way `mode` says and returns its exit code, the rest of its stdout, and its stderr.
fn run(mode: &str) -> (Option<i32>, String, String) {
    let exe = build("exit_server", &["c-examples/exit/exit_server.cpp"]);
    let (http_port, tcp_port) = (free_port(), free_port());
    let mut child = common::sanitizer_env(&mut Command::new(&exe))
        .args([&http_port.to_string(), &tcp_port.to_string(), mode])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut ready = String::new();
    stdout.read_line(&mut ready).unwrap();
    assert_eq!(ready.trim(), "servers ready", "mode {mode}");

    let mut http = common::connect(http_port);
    http.write_all(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut answer = [0u8; 256];
    let n = http.read(&mut answer).unwrap();
    assert!(String::from_utf8_lossy(&answer[..n]).ends_with("pong"));
    let mut tcp = common::connect(tcp_port);
    tcp.write_all(b"echo").unwrap();
    let mut echo = [0u8; 4];
    tcp.read_exact(&mut echo).unwrap();

    match mode {
        // SAFETY: kill(2) with a valid pid and signal number has no memory-safety preconditions.
        "signal" => assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0),
        _ => drop(child.stdin.take()),
    }
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let stacks = stacks(child.id());
            let _ = child.kill();
            let _ = child.wait();
            panic!("mode {mode}: the program did not exit; its threads:\n{stacks}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status.code(), rest, stderr)
}

/// Every thread's stack of a hung program, when gdb is there to read them.
fn stacks(pid: u32) -> String {
    Command::new("gdb")
        .args([
            "-p",
            &pid.to_string(),
            "-batch",
            "-ex",
            "thread apply all bt 20",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_else(|e| format!("(no gdb: {e})"))
}

#[test]
fn exit_from_a_signal_handler_atexit_and_static_destructors_is_clean() {
    for mode in ["signal", "atexit", "static"] {
        let (code, stdout, stderr) = run(mode);
        assert_eq!(code, Some(0), "mode {mode}; stderr:\n{stderr}");
        assert!(
            stdout.contains("tcp disconnected"),
            "mode {mode}: shutdown did not close the connection; stdout:\n{stdout}"
        );
        assert!(
            !stderr.contains("panic"),
            "mode {mode}: a panic reached stderr:\n{stderr}"
        );
        // Log lines wait in per-thread buffers: exit() writes them out, and a line logged
        // after that (by a static destructor) is written at once.
        assert!(
            stderr.contains("[GET /ping]=>[200 OK]"),
            "mode {mode}: the access-log line was lost; stderr:\n{stderr}"
        );
        assert!(
            stderr.contains("last words from a static destructor"),
            "mode {mode}: the destructor's line was lost; stderr:\n{stderr}"
        );
    }
}
