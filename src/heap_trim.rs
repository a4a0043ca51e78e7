//! Gives freed heap pages back to the kernel after a large request body, and after idle
//! connections park.
//!
//! A body taken in up to `max_body` (16 MiB by default) arrives in many small pieces, and once
//! they are freed glibc's malloc keeps their pages, which lie below chunks still in use: under
//! the soak's hostile traffic the gateway held 42 MiB resident with 0.4 MiB of it in use. The
//! buffers a parked keep-alive connection gives up (`http/park.rs`) are kept the same way.
//! `malloc_trim` hands those pages back (all but the top of a thread's arena, where the one
//! contiguous copy of an accepted body may stay until it is reused). It walks every free chunk
//! of every arena under that arena's lock (about 2 ms for the holes of 2000 parked connections
//! here), so it runs once, a second after it was scheduled, however often it was scheduled in
//! that second, and never takes more than a thousandth of the time: after a trim of `d`, the
//! next waits at least `1000 × d`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A body at least this large, whether taken in or refused at the limit, schedules a trim.
pub(crate) const LARGE_BODY: usize = 1 << 20;

const DELAY: Duration = Duration::from_secs(1);
/// The time between trims, as a multiple of how long the last one took.
const SPACING: u32 = 1000;

/// When the next trim may run, set by the last one.
static NEXT: Mutex<Option<Instant>> = Mutex::new(None);

static SCHEDULED: AtomicBool = AtomicBool::new(false);

/// Clears `SCHEDULED` when the trim task ends or is dropped unrun (its loop stopped first), so
/// a later call schedules again.
struct Unschedule;

impl Drop for Unschedule {
    fn drop(&mut self) {
        SCHEDULED.store(false, Ordering::Release);
    }
}

/// Schedules a trim on the calling tokio runtime, unless one is pending. Outside a runtime it
/// does nothing.
pub fn schedule() {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    if SCHEDULED.swap(true, Ordering::AcqRel) {
        return;
    }
    let unschedule = Unschedule;
    runtime.spawn(async move {
        let now = Instant::now();
        let next = NEXT
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .unwrap_or(now);
        tokio::time::sleep_until(next.max(now + DELAY).into()).await;
        drop(unschedule);
        let started = Instant::now();
        trim();
        let spacing = started.elapsed() * SPACING;
        *NEXT.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + spacing);
    });
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim takes no pointers; glibc lets any thread call it at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators give pages back on their own or have no such call.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
