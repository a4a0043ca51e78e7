//! The library's logger, shared by the core and by C/C++ `hlog` calls.
//!
//! Lines look like libhv's default format (`2024-01-02 03:04:05.067 INFO  message`). The default
//! sink is stderr (libhv writes a file in the working directory; see the README's differences).
//! Without fsync, lines below WARN to stderr or a file wait in per-thread buffers (`pending`),
//! so logging stays off the request path.

mod pending;

use std::cell::Cell;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

pub const LEVEL_VERBOSE: i32 = 0;
pub const LEVEL_DEBUG: i32 = 1;
pub const LEVEL_INFO: i32 = 2;
pub const LEVEL_WARN: i32 = 3;
pub const LEVEL_ERROR: i32 = 4;
pub const LEVEL_FATAL: i32 = 5;
pub const LEVEL_SILENT: i32 = 6;

const LEVEL_NAMES: [&str; 7] = [
    "VERBOSE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "SILENT",
];
/// The names as a line shows them, padded to five columns.
const LEVEL_COLUMNS: [&str; 7] = [
    "VERBOSE", "DEBUG", "INFO ", "WARN ", "ERROR", "FATAL", "SILENT",
];

static LEVEL: AtomicI32 = AtomicI32::new(LEVEL_INFO);
static MAX_FILESIZE: AtomicU64 = AtomicU64::new(16 << 20);
/// Whether lines below WARN may wait in `pending`: the sink is stderr or a file and fsync is
/// off (a handler gets each line as it is logged). Changed under the logger's lock.
static BUFFERED: AtomicBool = AtomicBool::new(true);

/// A user-supplied sink receives the formatted line (with its trailing newline). It is called
/// without the logger's lock held, so it may log itself: such a line goes to stderr.
pub type Handler = Box<dyn Fn(i32, &[u8]) + Send + Sync>;

thread_local! {
    /// Set while this thread runs the handler: a line it logs then goes to stderr instead of
    /// calling the handler again (which would recurse without end).
    static IN_HANDLER: Cell<bool> = const { Cell::new(false) };
}

/// Clears `IN_HANDLER` when the handler returns or unwinds.
struct HandlerCall;

impl HandlerCall {
    /// `None` when this thread is already inside the handler, or is being torn down (its
    /// thread-locals are gone, so re-entrancy cannot be tracked).
    fn enter() -> Option<HandlerCall> {
        IN_HANDLER
            .try_with(|inside| !inside.replace(true))
            .unwrap_or(false)
            .then_some(HandlerCall)
    }
}

impl Drop for HandlerCall {
    fn drop(&mut self) {
        let _ = IN_HANDLER.try_with(|inside| inside.set(false));
    }
}

enum Sink {
    Stderr,
    File {
        path: PathBuf,
        file: File,
        size: u64,
    },
    /// Shared so that `write` can call it after releasing the lock.
    Handler(Arc<Handler>),
}

struct Logger {
    sink: Sink,
    fsync: bool,
}

fn logger() -> &'static Mutex<Logger> {
    static LOGGER: OnceLock<Mutex<Logger>> = OnceLock::new();
    LOGGER.get_or_init(|| {
        Mutex::new(Logger {
            sink: Sink::Stderr,
            fsync: false,
        })
    })
}

fn with_logger<R>(f: impl FnOnce(&mut Logger) -> R) -> R {
    let mut guard = logger()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    f(&mut guard)
}

pub fn set_level(level: i32) {
    LEVEL.store(level.clamp(LEVEL_VERBOSE, LEVEL_SILENT), Ordering::Relaxed);
}

pub fn level() -> i32 {
    LEVEL.load(Ordering::Relaxed)
}

pub fn enabled(level: i32) -> bool {
    level >= self::level() && level < LEVEL_SILENT
}

/// Parses libhv's level names (case-insensitive); `None` for anything else.
pub fn parse_level(name: &str) -> Option<i32> {
    LEVEL_NAMES
        .iter()
        .position(|n| n.eq_ignore_ascii_case(name.trim()))
        .map(|i| i as i32)
}

/// Sends output to `path` (appending), or back to stderr with `None`.
pub fn set_file(path: Option<PathBuf>) -> std::io::Result<()> {
    let sink = match path {
        None => Sink::Stderr,
        Some(path) => {
            let file = OpenOptions::new().create(true).append(true).open(&path)?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            Sink::File { path, file, size }
        }
    };
    replace_sink(sink);
    Ok(())
}

pub fn set_handler(handler: Option<Handler>) {
    replace_sink(match handler {
        Some(h) => Sink::Handler(Arc::new(h)),
        None => Sink::Stderr,
    });
}

/// Installs `sink`; the old one (a handler may own anything) is dropped after the lock. The
/// lines waiting for the old sink are written to it first.
fn replace_sink(sink: Sink) {
    pending::flush_all();
    let old = with_logger(|l| {
        let old = std::mem::replace(&mut l.sink, sink);
        l.update_buffered();
        old
    });
    drop(old);
}

pub fn set_max_filesize(bytes: u64) {
    MAX_FILESIZE.store(bytes.max(1024), Ordering::Relaxed);
}

pub fn enable_fsync(on: bool) {
    if on {
        pending::flush_all();
    }
    with_logger(|l| {
        l.fsync = on;
        l.update_buffered();
    });
}

/// Writes out every waiting line, then syncs a log file to disk.
pub fn fsync() {
    pending::flush_all();
    with_logger(|l| {
        if let Sink::File { file, .. } = &mut l.sink {
            let _ = file.sync_data();
        }
    });
}

/// Writes one line at `level`; the caller has already formatted `msg`.
pub fn write(level: i32, msg: &[u8]) {
    write_with(level, |out| out.extend_from_slice(msg));
}

/// Writes one line at `level` whose message `fill` appends to the buffer it is given, so a
/// line made on the request path needs no allocation of its own.
pub fn write_with(level: i32, fill: impl FnOnce(&mut Vec<u8>)) {
    if !enabled(level) {
        return;
    }
    let mut fill = Some(fill);
    if level < LEVEL_WARN && BUFFERED.load(Ordering::Relaxed) {
        let waiting = pending::append(|out| {
            if let Some(fill) = fill.take() {
                format_line(out, level, fill);
            }
        });
        if waiting {
            return;
        }
    }
    let Some(fill) = fill else { return };
    // A line written now must not overtake the ones this thread left waiting.
    pending::flush_mine();
    let mut line = Vec::with_capacity(128);
    format_line(&mut line, level, fill);
    let handler = with_logger(|l| match &l.sink {
        Sink::Handler(h) => Some(h.clone()),
        _ => {
            l.emit(&line);
            None
        }
    });
    // The handler runs without the lock: it may log (or set the sink) without deadlocking.
    if let Some(handler) = handler {
        match HandlerCall::enter() {
            Some(_call) => handler(level, &line),
            None => {
                let _ = std::io::stderr().write_all(&line);
            }
        }
    }
}

/// `<timestamp> <LEVEL> <message>\n` appended to `out`.
fn format_line(out: &mut Vec<u8>, level: i32, fill: impl FnOnce(&mut Vec<u8>)) {
    timestamp(out);
    out.push(b' ');
    out.extend_from_slice(LEVEL_COLUMNS[level.clamp(0, 6) as usize].as_bytes());
    out.push(b' ');
    fill(out);
    out.push(b'\n');
}

/// Writes out the lines one thread left waiting. They are taken under the logger's lock, so
/// two flushes of one buffer cannot reorder its lines; the thread appends meanwhile.
fn write_pending(lines: &std::sync::Mutex<Vec<u8>>) {
    let take = || std::mem::take(&mut *lines.lock().unwrap_or_else(|p| p.into_inner()));
    let mut data = with_logger(|l| {
        let data = take();
        if !data.is_empty() {
            match &l.sink {
                Sink::Handler(_) => {
                    // Logged while the sink was being replaced by a handler: too late to
                    // split them into the handler's calls.
                    let _ = std::io::stderr().write_all(&data);
                }
                _ => l.emit(&data),
            }
        }
        data
    });
    // The buffer keeps its allocation when the thread added nothing meanwhile.
    data.clear();
    let mut current = lines.lock().unwrap_or_else(|p| p.into_inner());
    if current.is_empty() && data.capacity() > current.capacity() {
        *current = data;
    }
}

impl Logger {
    fn update_buffered(&self) {
        let buffered = !self.fsync && !matches!(self.sink, Sink::Handler(_));
        BUFFERED.store(buffered, Ordering::Relaxed);
    }

    /// Writes `bytes` (whole lines) to a stderr or file sink.
    fn emit(&mut self, bytes: &[u8]) {
        let fsync = self.fsync;
        match &mut self.sink {
            Sink::Stderr => {
                let _ = std::io::stderr().write_all(bytes);
            }
            Sink::Handler(_) => {}
            Sink::File { path, file, size } => {
                if *size + bytes.len() as u64 > MAX_FILESIZE.load(Ordering::Relaxed) {
                    rotate(path, file, size);
                }
                if file.write_all(bytes).is_ok() {
                    *size += bytes.len() as u64;
                    if fsync {
                        let _ = file.sync_data();
                    }
                }
            }
        }
    }
}

/// Writes one line only to a file or handler the program set up, never to stderr (for the
/// library's caught panics). Gives up rather than wait when this thread holds the logger.
pub fn write_unless_stderr(level: i32, msg: &[u8]) {
    let to_stderr = match logger().try_lock() {
        Ok(l) => matches!(l.sink, Sink::Stderr),
        Err(std::sync::TryLockError::Poisoned(p)) => matches!(p.into_inner().sink, Sink::Stderr),
        Err(std::sync::TryLockError::WouldBlock) => true,
    };
    if !to_stderr {
        write(level, msg);
    }
}

/// Keeps one previous file (`<path>.1`) so a long-running service never fills the disk.
fn rotate(path: &PathBuf, file: &mut File, size: &mut u64) {
    let mut old = path.clone().into_os_string();
    old.push(".1");
    let _ = std::fs::rename(path, &old);
    if let Ok(f) = OpenOptions::new()
        .create(true)
        .append(true)
        .truncate(false)
        .open(path)
    {
        *file = f;
        *size = 0;
    }
}

thread_local! {
    /// The second the last line of this thread was logged in, and its local-time text
    /// (`2024-01-02 03:04:05`): the time zone is looked up once a second, not per line.
    static SECOND: Cell<(u64, [u8; 19])> = const { Cell::new((u64::MAX, [0; 19])) };
}

fn timestamp(out: &mut Vec<u8>) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let cached = SECOND.try_with(Cell::get).ok().filter(|c| c.0 == secs);
    let text = match cached {
        Some((_, text)) => text,
        None => {
            let Some(text) = local_time(secs) else { return };
            let _ = SECOND.try_with(|c| c.set((secs, text)));
            text
        }
    };
    out.extend_from_slice(&text);
    let ms = now.subsec_millis();
    out.extend_from_slice(&[
        b'.',
        b'0' + (ms / 100) as u8,
        b'0' + (ms / 10 % 10) as u8,
        b'0' + (ms % 10) as u8,
    ]);
}

/// `2024-01-02 03:04:05` in local time.
pub(crate) fn local_time(secs: u64) -> Option<[u8; 19]> {
    let secs = secs as libc::time_t;
    // SAFETY: `tm` is plain data that localtime_r fully initialises on success; both pointers are
    // valid for the duration of the call.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return None;
        }
        tm
    };
    let mut text = [0u8; 19];
    let mut cursor = std::io::Cursor::new(&mut text[..]);
    write!(
        cursor,
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
    .ok()?;
    Some(text)
}

/// Logs from the core with `format!` syntax: `log!(LEVEL_WARN, "accept: {}", err)`.
#[macro_export]
macro_rules! hv_log {
    ($level:expr, $($arg:tt)*) => {
        if $crate::log::enabled($level) {
            $crate::log::write($level, format!($($arg)*).as_bytes());
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_names_parse_case_insensitively() {
        assert_eq!(parse_level("debug"), Some(LEVEL_DEBUG));
        assert_eq!(parse_level(" SILENT "), Some(LEVEL_SILENT));
        assert_eq!(parse_level("loud"), None);
    }

    /// The sink is process-wide: tests that install a handler take turns.
    static SINK_TESTS: Mutex<()> = Mutex::new(());

    #[test]
    fn handler_receives_formatted_line_at_or_above_level() {
        let _turn = SINK_TESTS.lock().unwrap_or_else(|p| p.into_inner());
        let seen = std::sync::Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = seen.clone();
        set_handler(Some(Box::new(move |_, line| {
            sink.lock()
                .unwrap()
                .push(String::from_utf8_lossy(line).into_owned())
        })));
        set_level(LEVEL_WARN);
        write(LEVEL_INFO, b"hidden");
        write(LEVEL_ERROR, b"shown");
        set_handler(None);
        set_level(LEVEL_INFO);
        let lines = seen.lock().unwrap();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].ends_with(" ERROR shown\n"), "{:?}", lines[0]);
    }

    #[test]
    fn waiting_lines_come_out_in_order_before_a_warning_and_on_fsync() {
        let _turn = SINK_TESTS.lock().unwrap_or_else(|p| p.into_inner());
        let dir = std::env::temp_dir().join(format!("hv-log-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ordered.log");
        let _ = std::fs::remove_file(&path);
        set_level(LEVEL_INFO);
        set_file(Some(path.clone())).unwrap();
        write(LEVEL_INFO, b"first");
        write(LEVEL_WARN, b"second");
        let text = std::fs::read_to_string(&path).unwrap();
        let (first, second) = (text.find(" INFO  first\n"), text.find(" WARN  second\n"));
        assert!(first.is_some() && first < second, "{text:?}");
        write(LEVEL_INFO, b"third");
        fsync();
        let text = std::fs::read_to_string(&path).unwrap();
        set_file(None).unwrap();
        assert!(text.ends_with(" INFO  third\n"), "{text:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn handler_may_log_and_replace_itself() {
        let _turn = SINK_TESTS.lock().unwrap_or_else(|p| p.into_inner());
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = calls.clone();
        set_handler(Some(Box::new(move |_, _| {
            counter.fetch_add(1, Ordering::SeqCst);
            write(LEVEL_FATAL, b"from the handler: to stderr, not back here");
            set_handler(None);
        })));
        write(LEVEL_FATAL, b"outer");
        write(LEVEL_FATAL, b"after the handler removed itself: stderr");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
