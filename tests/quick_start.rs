//! The README's C++ quick start works as written. The program and the shell lines are read from
//! README.md (the fenced blocks after the `<!-- quick-start: ... -->` markers), so the test
//! follows the README instead of a copy of it.
//!
//! `cargo build --release` runs verbatim in this checkout (a second, empty clone would rebuild
//! every dependency); the other lines run verbatim in a fresh directory laid out as a fresh
//! clone looks after that command: the tracked `include/` files, the README's `echo.cpp`, and
//! `target/release/libhv.so` alone, so no SONAME link is there unless the README makes it.
//! `LD_LIBRARY_PATH` (which cargo test sets) is removed for every command and the program, so
//! it cannot hide a missing link, and the cargo line runs without the variables cargo sets for
//! tests, as from a shell.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The contents of the first fenced code block after `marker` in `text`.
fn block_after(text: &str, marker: &str) -> String {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("README.md has no {marker:?}"));
    let mut lines = text[at..].lines().skip(1);
    let fence = lines
        .find(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("```"))
        .unwrap_or_else(|| panic!("no code block right after {marker:?}"));
    assert!(
        fence.len() > 3,
        "the block after {marker:?} names no language"
    );
    let body: Vec<&str> = lines.take_while(|l| *l != "```").collect();
    body.join("\n") + "\n"
}

fn checked(what: &str, out: Output) -> Output {
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `line` through `sh -c` in `dir` (with `PWD` naming it, as in a shell there), without the
/// test's `LD_LIBRARY_PATH`.
fn shell(line: &str, dir: &Path) -> Output {
    Command::new("sh")
        .args(["-c", line])
        .current_dir(dir)
        .env("PWD", dir)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap_or_else(|e| panic!("sh -c {line:?}: {e}"))
}

/// Variables cargo sets for a running test that a build run from a shell would not see: some
/// build scripts (ring's) rerun when they change, which would rebuild the release profile on
/// every run and again for the developer's next `cargo build --release`.
fn is_test_only_cargo_var(name: &str) -> bool {
    name == "OUT_DIR"
        || name.starts_with("CARGO_PKG_")
        || [
            "CARGO_MANIFEST_DIR",
            "CARGO_MANIFEST_PATH",
            "CARGO_MANIFEST_LINKS",
            "CARGO_CRATE_NAME",
            "CARGO_BIN_NAME",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_TMPDIR",
        ]
        .contains(&name)
}

/// A cargo line, run as `shell` runs the others, in the environment a developer's shell has.
fn cargo_shell(line: &str, dir: &Path) -> Output {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", line])
        .current_dir(dir)
        .env("PWD", dir)
        .env_remove("LD_LIBRARY_PATH");
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_test_only_cargo_var) {
            cmd.env_remove(name);
        }
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("sh -c {line:?}: {e}"))
}

/// Copies the tracked files under `sub` of the checkout into `to`.
fn copy_tracked(sub: &str, to: &Path) {
    let root = common::manifest_dir();
    let out = checked(
        "git ls-files",
        Command::new("git")
            .args(["ls-files", "-z", "--", sub])
            .current_dir(&root)
            .output()
            .expect("git"),
    );
    let files: Vec<&[u8]> = out
        .stdout
        .split(|b| *b == 0)
        .filter(|f| !f.is_empty())
        .collect();
    assert!(!files.is_empty(), "no tracked files under {sub}");
    for f in files {
        let rel = PathBuf::from(String::from_utf8(f.to_vec()).unwrap());
        let dest = to.join(&rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(root.join(&rel), &dest).unwrap();
    }
}

/// Starts the quick-start program on `port` (stdin kept open: it stops at Enter).
fn start(exe: &Path, port: u16, dir: &Path) -> std::process::Child {
    Command::new(exe)
        .arg(port.to_string())
        .current_dir(dir)
        .env_remove("LD_LIBRARY_PATH")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", exe.display()))
}

/// Connects to the echo server once it listens (bounded by a deadline).
fn connect(port: u16, child: &mut std::process::Child) -> std::net::TcpStream {
    let deadline = Instant::now() + common::WAIT;
    loop {
        if let Ok(s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.set_read_timeout(Some(common::WAIT)).unwrap();
            return s;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("the quick-start program exited ({status}) before listening:\n{err}");
        }
        assert!(
            Instant::now() < deadline,
            "the quick-start program never listened on {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn readme_cpp_quick_start_builds_starts_and_echoes() {
    let root = common::manifest_dir();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let program = block_after(&readme, "<!-- quick-start: echo.cpp -->");
    let commands = block_after(&readme, "<!-- quick-start: commands -->");
    let lines: Vec<&str> = commands
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(
        lines
            .first()
            .is_some_and(|l| l.starts_with("cargo build --release")),
        "the quick start begins with the release build: {lines:?}"
    );

    let dir = std::env::temp_dir().join(format!("hv-rs-quick-start-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("target/release")).unwrap();
    copy_tracked("include", &dir);
    std::fs::write(dir.join("echo.cpp"), program).unwrap();

    for line in &lines {
        if line.starts_with("cargo ") {
            checked(line, cargo_shell(line, &root));
            let built = root.join("target/release/libhv.so");
            assert!(built.is_file(), "{line} left no {}", built.display());
            std::fs::copy(&built, dir.join("target/release/libhv.so")).unwrap();
        } else {
            checked(line, shell(line, &dir));
        }
    }
    let exe = dir.join("a.out");
    assert!(exe.is_file(), "the README's lines built no a.out");

    let port = common::free_port();
    let mut child = start(&exe, port, &dir);
    let mut s = connect(port, &mut child);
    s.write_all(b"hello quick start\n").unwrap();
    let mut echoed = vec![0u8; 18];
    s.read_exact(&mut echoed).unwrap();
    assert_eq!(echoed, b"hello quick start\n");
    drop(s);
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let deadline = Instant::now() + common::WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the quick-start program did not stop at Enter");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");

    // Without the README's link the same program does not start: the link is what made it
    // load, not an environment variable.
    std::fs::remove_file(dir.join("target/release/libhv.so.0")).unwrap();
    let out = Command::new(&exe)
        .arg(common::free_port().to_string())
        .env_remove("LD_LIBRARY_PATH")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("libhv.so.0"),
        "{out:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
