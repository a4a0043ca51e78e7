//! Timers on an event loop: `setTimeout`, `setInterval`, `killTimer`, `resetTimer`.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use super::EventLoop;

pub type TimerId = u64;
/// libhv's `INVALID_TIMER_ID`.
pub const INVALID_TIMER_ID: TimerId = u64::MAX;
/// libhv's `INFINITE`: a repeat count that never runs out.
pub const INFINITE: u32 = u32::MAX;

pub type TimerCallback = Box<dyn FnMut(TimerId) + Send>;

struct Schedule {
    interval: Duration,
    deadline: Instant,
}

struct TimerShared {
    schedule: Mutex<Schedule>,
    reset: Notify,
}

impl TimerShared {
    fn deadline(&self) -> Instant {
        self.schedule
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .deadline
    }
}

/// A live timer as the table knows it. The callback is not here but in the timer's task, so
/// the table (cleared or shrunk under its lock) never drops foreign code's userdata.
struct TimerEntry {
    shared: Arc<TimerShared>,
    abort: Option<AbortHandle>,
}

#[derive(Default)]
pub(super) struct TimerTable {
    entries: HashMap<TimerId, TimerEntry>,
}

impl TimerTable {
    pub(super) fn clear(&mut self) {
        for (_, entry) in self.entries.drain() {
            if let Some(abort) = entry.abort {
                abort.abort();
            }
        }
    }
}

impl EventLoop {
    fn timer_table(&self) -> std::sync::MutexGuard<'_, TimerTable> {
        self.timers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a timer from any thread; `repeat` is a count or `INFINITE`. A zero timeout is
    /// invalid (use `queue_in_loop` for "next tick") and gives `INVALID_TIMER_ID`.
    pub fn set_timer(self: &Arc<Self>, timeout_ms: u32, repeat: u32, cb: TimerCallback) -> TimerId {
        if timeout_ms == 0 || repeat == 0 {
            return INVALID_TIMER_ID;
        }
        let id = (u64::from(self.id) << 32) | (self.next_timer.fetch_add(1, Ordering::Relaxed) + 1);
        let interval = Duration::from_millis(u64::from(timeout_ms));
        let shared = Arc::new(TimerShared {
            schedule: Mutex::new(Schedule {
                interval,
                deadline: Instant::now() + interval,
            }),
            reset: Notify::new(),
        });
        self.timer_table().entries.insert(
            id,
            TimerEntry {
                shared: shared.clone(),
                abort: None,
            },
        );
        let this = self.clone();
        self.run_in_loop(Box::new(move || {
            this.start_timer_task(id, repeat, shared, cb)
        }));
        id
    }

    fn start_timer_task(
        self: Arc<Self>,
        id: TimerId,
        repeat: u32,
        shared: Arc<TimerShared>,
        mut cb: TimerCallback,
    ) {
        let mut table = self.timer_table();
        let Some(entry) = table.entries.get_mut(&id) else {
            // Killed before it started: its callback is dropped after the lock.
            drop(table);
            drop(cb);
            return;
        };
        let weak = Arc::downgrade(&self);
        let handle = tokio::spawn(async move {
            let mut remaining = repeat;
            loop {
                let deadline = shared.deadline();
                tokio::select! {
                    _ = tokio::time::sleep_until(deadline) => {}
                    _ = shared.reset.notified() => continue,
                }
                if Instant::now() < shared.deadline() {
                    continue;
                }
                cb(id);
                if remaining != INFINITE {
                    remaining -= 1;
                    if remaining == 0 {
                        if let Some(el) = weak.upgrade() {
                            el.timer_table().entries.remove(&id);
                        }
                        return;
                    }
                }
                let mut s = shared.schedule.lock().unwrap_or_else(|p| p.into_inner());
                s.deadline = Instant::now() + s.interval;
            }
        });
        entry.abort = Some(handle.abort_handle());
    }

    /// Cancels a timer from any thread; unknown or finished ids are ignored.
    pub fn kill_timer(&self, id: TimerId) {
        let entry = self.timer_table().entries.remove(&id);
        if let Some(abort) = entry.and_then(|e| e.abort) {
            abort.abort();
        }
    }

    /// Restarts a live timer's countdown from now, with a new timeout when `timeout_ms > 0`.
    pub fn reset_timer(&self, id: TimerId, timeout_ms: u32) {
        let table = self.timer_table();
        let Some(entry) = table.entries.get(&id) else {
            return;
        };
        {
            let mut s = entry
                .shared
                .schedule
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if timeout_ms > 0 {
                s.interval = Duration::from_millis(u64::from(timeout_ms));
            }
            s.deadline = Instant::now() + s.interval;
        }
        entry.shared.reset.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn interval_killed_on_third_tick_and_timeout_fire_on_loop_thread() {
        let el = EventLoop::new();
        let (tx, rx) = mpsc::channel();
        let ticks = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let (el2, ticks2, tx2) = (el.clone(), ticks.clone(), tx.clone());
        el.set_timer(
            20,
            INFINITE,
            Box::new(move |id| {
                assert!(el2.is_in_loop_thread());
                if ticks2.fetch_add(1, Ordering::SeqCst) + 1 == 3 {
                    el2.kill_timer(id);
                    tx2.send("interval-done").unwrap();
                }
            }),
        );
        let el3 = el.clone();
        el.set_timer(
            150,
            1,
            Box::new(move |_| {
                tx.send("timeout").unwrap();
                el3.stop();
            }),
        );
        assert_eq!(el.set_timer(0, 1, Box::new(|_| {})), INVALID_TIMER_ID);
        el.run().unwrap();
        assert_eq!(ticks.load(Ordering::SeqCst), 3);
        let got: Vec<_> = rx.try_iter().collect();
        assert_eq!(got, vec!["interval-done", "timeout"]);
    }

    #[test]
    fn reset_timer_postpones_the_deadline() {
        let el = EventLoop::new();
        let start = std::time::Instant::now();
        let fired = Arc::new(Mutex::new(None));
        let (el2, fired2) = (el.clone(), fired.clone());
        let id = el.set_timer(
            100,
            1,
            Box::new(move |_| {
                *fired2.lock().unwrap() = Some(start.elapsed());
                el2.stop();
            }),
        );
        let el3 = el.clone();
        el.set_timer(60, 1, Box::new(move |_| el3.reset_timer(id, 0)));
        el.run().unwrap();
        let elapsed = fired.lock().unwrap().expect("timer fired");
        assert!(elapsed >= Duration::from_millis(160), "{elapsed:?}");
    }
}
