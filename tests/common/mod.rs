//! Shared helpers: build the C/C++ programs in `c-examples/` against `include/hv` and the freshly
//! built `libhv.so`, run them, and read their output with deadlines.
//!
//! With `HV_SANITIZE=1` (as `scripts/test.sh` runs the suite) every program the tests build is
//! compiled with AddressSanitizer and UBSan and run with their reports written to files in
//! `sanitizer_report_dir()`; the script fails when any report exists.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const WAIT: Duration = Duration::from_secs(10);

/// True in the sanitizer pass (`HV_SANITIZE=1`).
pub fn sanitize() -> bool {
    std::env::var_os("HV_SANITIZE").is_some_and(|v| v == "1")
}

/// Compiler (and linker) flags for this pass: ASan + UBSan in the sanitizer pass, else none.
pub fn sanitize_flags() -> &'static [&'static str] {
    if sanitize() {
        &[
            "-fsanitize=address,undefined",
            "-fno-omit-frame-pointer",
            "-g",
        ]
    } else {
        &[]
    }
}

/// Where the sanitizers write their reports: `HV_SANITIZE_REPORTS`, else
/// `target/<profile>/sanitizer-reports`.
pub fn sanitizer_report_dir() -> PathBuf {
    let dir = std::env::var_os("HV_SANITIZE_REPORTS").map_or_else(
        || {
            let exe = std::env::current_exe().unwrap();
            exe.parent().unwrap().with_file_name("sanitizer-reports")
        },
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Sets the sanitizer runtime options on `cmd` (a built program) in the sanitizer pass: stop at
/// the first finding, and write every report to a file of its own, since the tests read the
/// programs' output and kill some of them (a killed program reports no leaks; findings made while
/// it ran are already on disk). Options already in the environment come last and win: for
/// example `ASAN_OPTIONS=fast_unwind_on_malloc=0` gives leak reports whole allocation stacks
/// through the Rust library (built without frame pointers), at a large cost in speed.
pub fn sanitizer_env(cmd: &mut Command) -> &mut Command {
    if !sanitize() {
        return cmd;
    }
    let dir = sanitizer_report_dir();
    let with_inherited = |ours: String, var: &str| match std::env::var(var) {
        Ok(theirs) if !theirs.is_empty() => format!("{ours}:{theirs}"),
        _ => ours,
    };
    let asan = format!(
        "halt_on_error=1:detect_leaks=1:log_path={}",
        dir.join("asan").display()
    );
    let ubsan = format!(
        "halt_on_error=1:print_stacktrace=1:log_path={}",
        dir.join("ubsan").display()
    );
    cmd.env("ASAN_OPTIONS", with_inherited(asan, "ASAN_OPTIONS"))
        .env("UBSAN_OPTIONS", with_inherited(ubsan, "UBSAN_OPTIONS"))
}

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where cargo put this run's `libhv.so` and `libhv.a` (`target/<profile>/deps`, next to the
/// test binaries: `cargo test` alone does not copy them up to `target/<profile>`), with the
/// SONAME link (`libhv.so.0`) that programs linked against it look for at run time.
pub fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().to_path_buf();
    assert!(
        dir.join("libhv.so").exists(),
        "{} has no libhv.so",
        dir.display()
    );
    let soname = dir.join("libhv.so.0");
    if std::fs::symlink_metadata(&soname).is_err() {
        let _ = std::os::unix::fs::symlink("libhv.so", &soname);
    }
    dir
}

/// Asserts that `exe` carries the ASan and UBSan runtimes exactly in the sanitizer pass (`nm`
/// sees `__asan_init` and `__ubsan_handle_*`), so that pass cannot silently test plain builds.
pub fn assert_sanitizer_runtime(exe: &Path) {
    let out = Command::new("nm").arg(exe).output().expect("nm (binutils)");
    assert!(out.status.success(), "nm {}", exe.display());
    let symbols = String::from_utf8_lossy(&out.stdout);
    for runtime in ["__asan_init", "__ubsan_handle_"] {
        assert_eq!(
            symbols.contains(runtime),
            sanitize(),
            "{runtime} in {} (sanitizer pass: {})",
            exe.display(),
            sanitize()
        );
    }
}

/// Compiles `sources` (relative to the crate root) into `target/<profile>/c-examples/`
/// (with the sanitizer flags in the sanitizer pass). C++ sources are built as C++11 with -Wall
/// -Werror, C sources as C99 with -Wextra too.
///
/// A build is kept under a name made of the program's name and a hash of everything that goes
/// into it (compiler, flags, sources, the headers in `include/hv`), so the test binaries that
/// run the same program share one build, and an unchanged program is not compiled again. The
/// library is linked dynamically, so a rebuilt `libhv.so` needs no new program. Each program is
/// looked up once per test binary, even when several tests ask for it at once (rewriting a
/// binary another test is running fails with ETXTBSY).
pub fn build(name: &str, sources: &[&str]) -> PathBuf {
    build_with(name, sources, sanitize_flags())
}

/// `build` without the sanitizer flags in any pass: for programs run under valgrind, which
/// cannot run an ASan build.
pub fn build_plain(name: &str, sources: &[&str]) -> PathBuf {
    build_with(name, sources, &[])
}

fn build_with(name: &str, sources: &[&str], extra: &[&str]) -> PathBuf {
    static BUILT: Mutex<Vec<(String, bool, PathBuf)>> = Mutex::new(Vec::new());
    let plain = extra.is_empty();
    let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, _, path)) = built.iter().find(|(n, p, _)| n == name && *p == plain) {
        return path.clone();
    }
    let path = compile(name, sources, extra);
    built.push((name.to_string(), plain, path.clone()));
    path
}

fn compile(name: &str, sources: &[&str], extra: &[&str]) -> PathBuf {
    let cpp = sources.iter().any(|s| s.ends_with(".cpp"));
    let mut args: Vec<String> = if cpp {
        ["-std=c++11", "-Wall", "-Werror"]
            .map(String::from)
            .to_vec()
    } else {
        ["-std=c99", "-Wall", "-Wextra", "-Werror"]
            .map(String::from)
            .to_vec()
    };
    args.push("-g".into());
    args.extend(extra.iter().map(|f| f.to_string()));
    args.push("-I".into());
    args.push(manifest_dir().join("include/hv").display().to_string());
    args.extend(
        sources
            .iter()
            .map(|s| manifest_dir().join(s).display().to_string()),
    );
    let compiler = if cpp { "c++" } else { "cc" };

    let out_dir = lib_dir().join("c-examples");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = out_dir.join(format!("{name}-{:016x}", build_key(compiler, &args)));
    if out.exists() {
        return out;
    }
    let tmp = out_dir.join(format!("{name}.{}.tmp", std::process::id()));
    let output = Command::new(compiler)
        .args(&args)
        .arg("-o")
        .arg(&tmp)
        .arg("-L")
        .arg(lib_dir())
        .arg("-lhv")
        .arg(format!("-Wl,-rpath,{}", lib_dir().display()))
        .arg("-pthread")
        .output()
        .expect("running the system compiler");
    assert!(
        output.status.success(),
        "compiling {sources:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::rename(&tmp, &out).unwrap();
    out
}

/// FNV-1a over the compiler, its arguments and the contents of the sources and headers they
/// name: stable across runs and toolchains, unlike `std`'s hasher.
fn build_key(compiler: &str, args: &[String]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes.iter().chain([0u8].iter()) {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(compiler.as_bytes());
    let mut files: Vec<PathBuf> = std::fs::read_dir(manifest_dir().join("include/hv"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for a in args {
        feed(a.as_bytes());
        if Path::new(a).is_file() {
            files.push(PathBuf::from(a));
        }
    }
    for f in files {
        feed(f.to_string_lossy().as_bytes());
        feed(&std::fs::read(&f).unwrap());
    }
    hash
}

/// A running program whose stdout lines arrive on a channel.
pub struct Program {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    pub seen: Vec<String>,
}

impl Program {
    pub fn start(path: &Path, args: &[&str]) -> Program {
        Self::start_in(path, args, None)
    }

    /// Starts the program in `dir` (for programs that write next to their working directory,
    /// as libhv's `hmain` does with `logs/`), or in the test's own directory with `None`.
    pub fn start_in(path: &Path, args: &[&str], dir: Option<&Path>) -> Program {
        Self::start_with(path, args, dir, &[])
    }

    /// Starts the program with extra environment variables (the `HV_` knobs, say).
    pub fn start_env(path: &Path, args: &[&str], env: &[(&str, &str)]) -> Program {
        Self::start_with(path, args, None, env)
    }

    fn start_with(path: &Path, args: &[&str], dir: Option<&Path>, env: &[(&str, &str)]) -> Program {
        let mut cmd = Command::new(path);
        if let Some(dir) = dir {
            cmd.current_dir(dir);
        }
        cmd.envs(env.iter().copied());
        let mut child = sanitizer_env(&mut cmd)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", path.display()));
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Program {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line containing `needle` and returns it.
    pub fn expect(&mut self, needle: &str) -> String {
        self.expect_within(needle, WAIT)
    }

    /// `expect` with a deadline of its own (for a program under valgrind, say).
    pub fn expect_within(&mut self, needle: &str, wait: Duration) -> String {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line containing {needle:?}; output so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Counts lines containing `needle` among those arriving within `window`.
    pub fn count_within(&mut self, needle: &str, window: Duration) -> usize {
        let deadline = Instant::now() + window;
        let mut n = 0;
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            if line.contains(needle) {
                n += 1;
            }
            self.seen.push(line);
        }
        n
    }

    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How the program ended, or `None` while it runs.
    pub fn try_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Waits for exit (bounded) and returns the status code.
    pub fn wait(&mut self) -> i32 {
        self.wait_within(WAIT)
    }

    /// `wait` with a deadline of its own.
    pub fn wait_within(&mut self, wait: Duration) -> i32 {
        self.close_stdin();
        let deadline = Instant::now() + wait;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
                    self.seen.push(line);
                }
                return status.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("program did not exit; output:\n{}", self.seen.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Lowest port handed out by `free_port`.
const FIRST_FIXED_PORT: u16 = 10_000;

/// A port that was free a moment ago (for programs that take a port, like libhv's), below the
/// kernel's ephemeral range. A port from `bind(":0")` is an ephemeral one, which the client
/// sockets of tests running meanwhile also draw from: one of them could hold it as its source
/// port by the time the program binds it (`EADDRINUSE`). Ports below that range are only ever
/// bound explicitly, and each process starts at its own offset.
pub fn free_port() -> u16 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32_768);
    let span = u32::from(ephemeral_low.saturating_sub(FIRST_FIXED_PORT));
    let offset = std::process::id().wrapping_mul(7919);
    for _ in 0..span {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let port = FIRST_FIXED_PORT + (offset.wrapping_add(n) % span) as u16;
        if std::net::TcpListener::bind(("0.0.0.0", port)).is_ok() {
            return port;
        }
    }
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A self-signed certificate for `names`, written as PEM files into a fresh directory.
pub struct Cert {
    pub dir: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Cert {
    pub fn generate(tag: &str, names: &[&str]) -> Cert {
        let ck = rcgen::generate_simple_self_signed(
            names.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
        .unwrap();
        let dir = std::env::temp_dir().join(format!("hv-rs-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&cert, ck.cert.pem()).unwrap();
        std::fs::write(&key, ck.key_pair.serialize_pem()).unwrap();
        Cert { dir, cert, key }
    }
}

impl Drop for Cert {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn connect(port: u16) -> std::net::TcpStream {
    let s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s
}

/// Runs curl (`-sS`, at most 10 s unless `args` say otherwise) and returns what it printed.
pub fn curl(args: &[&str]) -> String {
    run_to_end("curl", &[&["-sS", "--max-time", "10"], args].concat())
}

/// Runs a program to its end, asserts it succeeded and returns what it printed.
pub fn run_to_end(exe: &str, args: &[&str]) -> String {
    let out = Command::new(exe)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {exe}: {e}"));
    assert!(
        out.status.success(),
        "{exe} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Everything read until the peer closes (a reset counts as a close); any other error, a read
/// timeout included, fails the test.
pub fn read_to_close(s: &mut impl Read) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("no close ({e}); got {:?}", String::from_utf8_lossy(&got)),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}
