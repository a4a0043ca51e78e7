//! Lines below WARN wait in a buffer of the thread that logged them, so an access-log line
//! costs a copy into memory instead of a lock shared by every worker and a `write(2)`. The
//! buffers are written out when one fills, every `FLUSH_INTERVAL` by a flusher thread, before
//! a WARN or worse line of the same thread (so a thread's lines keep their order), when the
//! thread ends, before `fork()`, on `hlog_fsync()` and at `exit()`. What a process killed
//! by a signal had not yet flushed is lost: at most one interval of lines.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

/// How long a line may wait in its thread's buffer.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(200);
/// A buffer this full is written out by the thread that filled it.
const FLUSH_SIZE: usize = 32 << 10;

/// One thread's lines not yet written.
struct Pending {
    lines: Mutex<Vec<u8>>,
}

/// Every live thread's buffer, for the flusher and for `flush_all`.
static ALL: Mutex<Vec<Arc<Pending>>> = Mutex::new(Vec::new());
/// Set by the exit flush (a C++ static destructor may still log, and nothing would flush its
/// line) or when no flusher thread could start: from then on lines are written at once.
static UNBUFFERED: AtomicBool = AtomicBool::new(false);
/// Whether this process has its flusher thread (a forked child has none until it logs).
static FLUSHER_STARTED: AtomicBool = AtomicBool::new(false);

/// The calling thread's entry in `ALL`; dropping it (the thread ends) flushes and removes it.
struct Local(Arc<Pending>);

impl Drop for Local {
    fn drop(&mut self) {
        super::write_pending(&self.0.lines);
        lock(&ALL).retain(|p| !Arc::ptr_eq(p, &self.0));
    }
}

thread_local! {
    static LOCAL: Local = {
        let pending = Arc::new(Pending { lines: Mutex::new(Vec::new()) });
        lock(&ALL).push(pending.clone());
        Local(pending)
    };
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Appends `line` (formatted by `fill`) to this thread's buffer. False when it cannot wait
/// (exit has begun, or this thread is being torn down): the caller writes it at once.
pub fn append(fill: impl FnOnce(&mut Vec<u8>)) -> bool {
    if UNBUFFERED.load(Ordering::Relaxed) {
        return false;
    }
    start_flusher();
    let full = LOCAL.try_with(|local| {
        let mut lines = lock(&local.0.lines);
        fill(&mut lines);
        lines.len() >= FLUSH_SIZE
    });
    match full {
        Ok(true) => {
            flush_mine();
            true
        }
        Ok(false) => true,
        Err(_) => false,
    }
}

/// Writes out the calling thread's buffer (before a line that must not overtake it).
pub fn flush_mine() {
    let _ = LOCAL.try_with(|local| super::write_pending(&local.0.lines));
}

/// Writes out every thread's buffer.
pub fn flush_all() {
    let all: Vec<Arc<Pending>> = lock(&ALL).clone();
    for pending in all {
        super::write_pending(&pending.lines);
    }
}

extern "C" fn flush_at_exit() {
    UNBUFFERED.store(true, Ordering::Relaxed);
    // Unwinding out of an atexit handler would abort the process.
    let _ = std::panic::catch_unwind(flush_all);
}

extern "C" fn flush_before_fork() {
    let _ = std::panic::catch_unwind(flush_all);
}

/// In the child: its parent's flusher thread did not come along.
extern "C" fn forget_flusher_after_fork() {
    FLUSHER_STARTED.store(false, Ordering::Relaxed);
}

/// Starts the flusher thread of this process, once (again in a forked child), and arranges
/// the exit and fork flushes.
fn start_flusher() {
    if FLUSHER_STARTED.load(Ordering::Relaxed) {
        return;
    }
    static HOOKS: Once = Once::new();
    HOOKS.call_once(|| {
        // SAFETY: the handlers are `extern "C"` functions that catch every panic; they only
        // take the logger's own locks, or store to an atomic in the child.
        unsafe {
            libc::atexit(flush_at_exit);
            libc::pthread_atfork(
                Some(flush_before_fork),
                None,
                Some(forget_flusher_after_fork),
            );
        }
    });
    if FLUSHER_STARTED.swap(true, Ordering::Relaxed) {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("hv-log-flush".into())
        .spawn(|| loop {
            std::thread::sleep(FLUSH_INTERVAL);
            flush_all();
        });
    if spawned.is_err() {
        // Without a flusher nothing may wait: lines are written as they come.
        UNBUFFERED.store(true, Ordering::Relaxed);
    }
}
