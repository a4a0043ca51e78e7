//! Event loops: one OS thread each, driving a current-thread tokio runtime.
//!
//! Everything that belongs to a connection runs as a task on its loop, so its callbacks never run
//! concurrently. Other threads reach a loop only through its FIFO functor queue.

mod pool;
mod thread;
mod timer;

pub use pool::{LoadBalance, LoopPool};
pub use thread::{LoopThread, PostHook, PreHook};
pub use timer::{TimerCallback, TimerId, INFINITE, INVALID_TIMER_ID};

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{
    AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::{mpsc, Notify};

use crate::error::{Error, Result};

/// A unit of work posted to a loop.
pub type Functor = Box<dyn FnOnce() + Send>;

/// Loop states, numbered as libhv's `Status::KStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum LoopStatus {
    Initialized = 2,
    Running = 5,
    Stopping = 7,
    Stopped = 8,
}

/// Something a stopping loop must close before it exits (a live connection).
pub trait Closable: Send + Sync {
    fn request_close(&self);
}

static NEXT_LOOP_ID: AtomicU32 = AtomicU32::new(1);

thread_local! {
    static CURRENT: RefCell<Option<Arc<EventLoop>>> = const { RefCell::new(None) };
}

pub struct EventLoop {
    id: u32,
    tid: AtomicI64,
    status: AtomicU8,
    stop_requested: AtomicBool,
    stop: Notify,
    queue_tx: mpsc::UnboundedSender<Functor>,
    queue_rx: Mutex<Option<mpsc::UnboundedReceiver<Functor>>>,
    /// Connections placed on this loop, used by least-connections balancing.
    pub connection_num: AtomicU32,
    next_timer: AtomicU64,
    timers: Mutex<timer::TimerTable>,
    closables: Mutex<HashMap<u64, Weak<dyn Closable>>>,
    tracked: AtomicUsize,
    tracked_done: Notify,
    attachment: Mutex<Option<Box<dyn Any + Send>>>,
}

impl EventLoop {
    pub fn new() -> Arc<Self> {
        ignore_sigpipe();
        let (queue_tx, queue_rx) = mpsc::unbounded_channel();
        Arc::new(EventLoop {
            id: NEXT_LOOP_ID.fetch_add(1, Ordering::Relaxed),
            tid: AtomicI64::new(0),
            status: AtomicU8::new(LoopStatus::Initialized as u8),
            stop_requested: AtomicBool::new(false),
            stop: Notify::new(),
            queue_tx,
            queue_rx: Mutex::new(Some(queue_rx)),
            connection_num: AtomicU32::new(0),
            next_timer: AtomicU64::new(0),
            timers: Mutex::new(timer::TimerTable::default()),
            closables: Mutex::new(HashMap::new()),
            tracked: AtomicUsize::new(0),
            tracked_done: Notify::new(),
            attachment: Mutex::new(None),
        })
    }

    /// The loop whose thread is calling, if any. `None` also while the thread's locals are
    /// being destroyed (`exit()` runs static destructors after the main thread's).
    pub fn current() -> Option<Arc<EventLoop>> {
        CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    /// Kernel thread id of the loop thread; 0 before it runs.
    pub fn tid(&self) -> i64 {
        self.tid.load(Ordering::Acquire)
    }

    pub fn status(&self) -> LoopStatus {
        match self.status.load(Ordering::Acquire) {
            5 => LoopStatus::Running,
            7 => LoopStatus::Stopping,
            8 => LoopStatus::Stopped,
            _ => LoopStatus::Initialized,
        }
    }

    pub fn is_running(&self) -> bool {
        self.status() == LoopStatus::Running
    }

    pub fn is_in_loop_thread(&self) -> bool {
        CURRENT
            .try_with(|c| {
                c.borrow()
                    .as_ref()
                    .is_some_and(|l| std::ptr::eq(Arc::as_ptr(l), self))
            })
            .unwrap_or(false)
    }

    /// Runs the loop on the calling thread until `stop()`. A loop runs at most once.
    pub fn run(self: &Arc<Self>) -> Result<()> {
        if self.status() == LoopStatus::Stopped {
            return Err(Error::State("the event loop was stopped before it ran"));
        }
        let rx = self
            .queue_rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or(Error::State("an event loop runs only once"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::io("creating the loop runtime", e))?;
        let previous = CURRENT
            .try_with(|c| c.borrow_mut().replace(self.clone()))
            .map_err(|_| Error::State("the calling thread is exiting"))?;
        self.tid.store(gettid(), Ordering::Release);
        if !self.stop_requested.load(Ordering::Acquire) {
            self.status
                .store(LoopStatus::Running as u8, Ordering::Release);
            runtime.block_on(self.clone().drive(rx));
        }
        self.status
            .store(LoopStatus::Stopping as u8, Ordering::Release);
        self.timers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        drop(runtime);
        self.status
            .store(LoopStatus::Stopped as u8, Ordering::Release);
        // Taken out under the lock and dropped outside it: its finalizer is foreign code, which
        // may call back into this loop.
        let attachment = self
            .attachment
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        drop(attachment);
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = previous);
        Ok(())
    }

    async fn drive(self: Arc<Self>, mut rx: mpsc::UnboundedReceiver<Functor>) {
        loop {
            tokio::select! {
                biased;
                _ = self.stop.notified() => break,
                task = rx.recv() => match task {
                    Some(task) => task(),
                    None => break,
                },
            }
        }
        // Work queued before the stop still runs, as on libhv (its loop handles the events
        // pending in the iteration that sees the stop), so a `deleteInLoop` posted just before
        // `stop()` is not leaked. Work posted after this point is dropped, never run.
        for _ in 0..rx.len() {
            match rx.try_recv() {
                Ok(task) => task(),
                Err(_) => break,
            }
        }
        rx.close();
        while rx.try_recv().is_ok() {}
        self.close_all().await;
    }

    /// Asks every live connection on this loop to close and waits until their tasks finished,
    /// so their disconnect callbacks run on this thread before the loop exits.
    async fn close_all(&self) {
        let closables: Vec<_> = self
            .closables
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter_map(Weak::upgrade)
            .collect();
        for c in closables {
            c.request_close();
        }
        loop {
            let done = self.tracked_done.notified();
            tokio::pin!(done);
            done.as_mut().enable();
            if self.tracked.load(Ordering::Acquire) == 0 {
                break;
            }
            done.await;
        }
    }

    /// Stops the loop from any thread. A loop that never ran will not run.
    pub fn stop(&self) {
        self.stop_requested.store(true, Ordering::Release);
        if self.status() == LoopStatus::Initialized {
            self.status
                .store(LoopStatus::Stopped as u8, Ordering::Release);
        }
        self.stop.notify_one();
    }

    /// Runs `f` now when called on this running loop's thread, otherwise queues it.
    pub fn run_in_loop(&self, f: Functor) {
        if self.is_in_loop_thread() && self.is_running() {
            f();
        } else {
            self.queue_in_loop(f);
        }
    }

    /// Queues `f` behind everything already posted; dropped once the loop has stopped.
    pub fn queue_in_loop(&self, f: Functor) {
        let _ = self.queue_tx.send(f);
    }

    /// Spawns a task on this loop whose completion a stopping loop waits for; `closable` is
    /// asked to close when the loop stops. Safe from any thread.
    pub fn spawn_tracked<F>(self: &Arc<Self>, closable: Weak<dyn Closable>, fut: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        static NEXT_KEY: AtomicU64 = AtomicU64::new(1);
        let key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
        self.tracked.fetch_add(1, Ordering::AcqRel);
        self.closables
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, closable);
        // The guard is built here, not inside the task, so a task that never gets to run (the loop
        // stopped first) still unregisters when its future is dropped.
        let done = TrackedGuard(Arc::downgrade(self), key);
        let task = Tracked { fut, _done: done };
        if self.is_in_loop_thread() {
            tokio::spawn(task);
        } else {
            self.queue_in_loop(Box::new(move || {
                tokio::spawn(task);
            }));
        }
    }

    /// Stores an object that lives as long as the loop runs (the C++ `EventLoop` companion).
    /// Refused, leaving the slot unchanged and handing `value` back for the caller to drop
    /// outside the lock, when it is taken or the loop has finished.
    pub fn set_attachment(
        &self,
        value: Box<dyn Any + Send>,
    ) -> std::result::Result<(), Box<dyn Any + Send>> {
        let mut slot = self.attachment.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() || self.status() == LoopStatus::Stopped {
            return Err(value);
        }
        *slot = Some(value);
        Ok(())
    }

    /// Calls `f` with the attachment under its lock: `f` should only clone what it needs, so
    /// that no foreign code runs under the lock.
    pub fn with_attachment<R>(&self, f: impl FnOnce(Option<&(dyn Any + Send)>) -> R) -> R {
        let slot = self.attachment.lock().unwrap_or_else(|p| p.into_inner());
        f(slot.as_deref())
    }

    /// Removes the attachment if `matches` accepts it, returning it to the caller to drop.
    pub fn take_attachment_if(
        &self,
        matches: impl FnOnce(&(dyn Any + Send)) -> bool,
    ) -> Option<Box<dyn Any + Send>> {
        let mut slot = self.attachment.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_deref().is_some_and(matches) {
            slot.take()
        } else {
            None
        }
    }
}

struct TrackedGuard(Weak<EventLoop>, u64);

pin_project_lite::pin_project! {
    /// A tracked task: its future, then what unregisters it when dropped. A struct, not an
    /// `async` block, which would hold `fut` twice for the task's whole life (once captured,
    /// once being awaited): a connection's task is most of what an idle connection costs.
    struct Tracked<F> {
        #[pin]
        fut: F,
        _done: TrackedGuard,
    }
}

impl<F: Future<Output = ()>> Future for Tracked<F> {
    type Output = ();

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        self.project().fut.poll(cx)
    }
}

impl Drop for TrackedGuard {
    fn drop(&mut self) {
        let Some(el) = self.0.upgrade() else {
            return;
        };
        el.closables
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.1);
        if el.tracked.fetch_sub(1, Ordering::AcqRel) == 1 {
            el.tracked_done.notify_waiters();
        }
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        self.timers
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

/// Ignores SIGPIPE, as libhv does whenever it creates a loop, so that code writing to sockets
/// with plain `write` (the user's own, too) gets EPIPE instead of dying. A disposition the
/// program chose itself (a handler, or SIG_IGN) is left alone; the library's own writes never
/// raise the signal anyway (`tcp::NoSigpipeStream`).
fn ignore_sigpipe() {
    // SAFETY: `old` is plain data that sigaction fills in; a NULL new action only queries.
    let current = unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        (libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut old) == 0)
            .then_some(old.sa_sigaction)
    };
    if current == Some(libc::SIG_DFL) {
        // SAFETY: installing SIG_IGN has no preconditions.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    }
}

/// The kernel thread id of the caller, as libhv's `hv_gettid()` reports it.
pub fn gettid() -> i64 {
    // The raw system call, not glibc's gettid(): that wrapper arrived in glibc 2.30, and the
    // library must load on glibc 2.17 (CentOS 7).
    // SAFETY: SYS_gettid takes no arguments, has no preconditions and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc as std_mpsc;
    use std::time::Duration;

    #[test]
    fn queued_before_run_execute_in_order_and_nested_run_in_loop_is_inline() {
        let el = EventLoop::new();
        let (tx, rx) = std_mpsc::channel();
        for i in 0..3 {
            let tx = tx.clone();
            el.queue_in_loop(Box::new(move || tx.send(i).unwrap()));
        }
        let inner = el.clone();
        let tx2 = tx.clone();
        el.queue_in_loop(Box::new(move || {
            let tx3 = tx2.clone();
            inner.run_in_loop(Box::new(move || tx3.send(10).unwrap()));
            tx2.send(11).unwrap();
            inner.stop();
        }));
        el.run().unwrap();
        let got: Vec<i32> = rx.try_iter().collect();
        assert_eq!(got, vec![0, 1, 2, 10, 11]);
        assert_eq!(el.status(), LoopStatus::Stopped);
        assert!(el.run().is_err(), "a stopped loop cannot run again");
    }

    #[test]
    fn work_queued_before_the_stop_runs_and_work_after_the_loop_ended_does_not() {
        let el = EventLoop::new();
        let (tx, rx) = std_mpsc::channel();
        let (gate_tx, gate_rx) = std_mpsc::channel::<()>();
        // The first task holds the loop until the others and the stop are all pending.
        el.queue_in_loop(Box::new(move || gate_rx.recv().unwrap()));
        let (other, tx2) = (el.clone(), tx.clone());
        let t = std::thread::spawn(move || {
            while !other.is_running() {
                std::thread::sleep(Duration::from_millis(1));
            }
            for i in 0..3 {
                let tx = tx2.clone();
                other.queue_in_loop(Box::new(move || tx.send(i).unwrap()));
            }
            other.stop();
            gate_tx.send(()).unwrap();
        });
        el.run().unwrap();
        t.join().unwrap();
        el.queue_in_loop(Box::new(move || tx.send(99).unwrap()));
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), vec![0, 1, 2]);
    }

    #[test]
    fn stop_from_another_thread_ends_run() {
        let el = EventLoop::new();
        let other = el.clone();
        let t = std::thread::spawn(move || {
            while !other.is_running() {
                std::thread::sleep(Duration::from_millis(1));
            }
            other.stop();
        });
        el.run().unwrap();
        t.join().unwrap();
        assert_eq!(el.status(), LoopStatus::Stopped);
    }
}
