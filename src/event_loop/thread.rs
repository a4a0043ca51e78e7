//! `EventLoopThread`: an event loop on a thread of its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{EventLoop, LoopStatus};
use crate::error::{Error, Result};

/// Runs first on the loop; a nonzero result stops the loop (libhv's `pre` functor).
pub type PreHook = Box<dyn FnOnce() -> i32 + Send>;
/// Runs on the loop thread after the loop has exited (libhv's `post` functor).
pub type PostHook = Box<dyn FnOnce() + Send>;

pub struct LoopThread {
    event_loop: Arc<EventLoop>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl LoopThread {
    /// Wraps `event_loop`, or a new loop, without starting a thread.
    pub fn new(event_loop: Option<Arc<EventLoop>>) -> Self {
        LoopThread {
            event_loop: event_loop.unwrap_or_else(EventLoop::new),
            thread: Mutex::new(None),
        }
    }

    pub fn event_loop(&self) -> &Arc<EventLoop> {
        &self.event_loop
    }

    pub fn is_started(&self) -> bool {
        self.thread
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Starts the thread; with `wait`, returns once the loop is running (or has stopped).
    pub fn start(&self, wait: bool, pre: Option<PreHook>, post: Option<PostHook>) -> Result<()> {
        let mut slot = self.thread.lock().unwrap_or_else(|p| p.into_inner());
        let refused = if slot.is_some() {
            Some(Ok(()))
        } else if self.event_loop.status() == LoopStatus::Stopped {
            Some(Err(Error::State("the event loop has stopped")))
        } else {
            None
        };
        if let Some(result) = refused {
            // Unused hooks own userdata: dropped after the lock.
            drop(slot);
            drop((pre, post));
            return result;
        }
        // With `wait`, start returns only once `pre` has run, as libhv's EventLoopThread does.
        let pre_done = Arc::new(AtomicBool::new(pre.is_none()));
        if let Some(pre) = pre {
            let (el, done) = (self.event_loop.clone(), pre_done.clone());
            self.event_loop.queue_in_loop(Box::new(move || {
                if pre() != 0 {
                    el.stop();
                }
                done.store(true, Ordering::Release);
            }));
        }
        let el = self.event_loop.clone();
        // The hook reaches the thread through a shared slot: if no thread can be spawned, it
        // (with its userdata) is dropped here after the lock, not inside `spawn` under it.
        let post = Arc::new(Mutex::new(post));
        let thread_post = post.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("hv-loop-{}", el.id()))
            .spawn(move || {
                if let Err(e) = el.run() {
                    crate::hv_log!(crate::log::LEVEL_ERROR, "event loop: {e}");
                }
                let post = thread_post.lock().unwrap_or_else(|p| p.into_inner()).take();
                if let Some(post) = post {
                    post();
                }
            });
        let handle = match spawned {
            Ok(handle) => handle,
            Err(e) => {
                drop(slot);
                drop(post);
                return Err(Error::io("spawning the loop thread", e));
            }
        };
        *slot = Some(handle);
        drop(slot);
        if wait {
            loop {
                let status = self.event_loop.status();
                let ready = status == LoopStatus::Running && pre_done.load(Ordering::Acquire);
                if ready || matches!(status, LoopStatus::Stopping | LoopStatus::Stopped) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        Ok(())
    }

    /// Stops the loop; with `wait`, joins the thread unless called from that very thread.
    pub fn stop(&self, wait: bool) {
        self.event_loop.stop();
        if wait {
            self.join();
        }
    }

    pub fn join(&self) {
        if self.event_loop.is_in_loop_thread() {
            return;
        }
        let handle = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

impl Drop for LoopThread {
    fn drop(&mut self) {
        self.stop(true);
    }
}
