//! A future polled only when it woke itself. A connection's task wakes for every request, and a
//! `select!` polls each branch on every wake: the branches that wait for the connection's
//! close or the server's drain then cost two waiter locks a request (a waiting tokio `Notify`
//! takes its lock on each poll) for signals that come once in the connection's life.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

pin_project_lite::pin_project! {
    /// `inner` with a waker of its own: polled on the first poll, and after that only when it
    /// woke (its waker then also wakes the task polling this).
    pub(super) struct Quiet<F> {
        #[pin]
        inner: F,
        woken: Arc<Woken>,
        waker: Waker,
        // The task's waker as last handed to `woken`, to notice a new one without its lock.
        task: Option<Waker>,
    }
}

struct Woken {
    flag: AtomicBool,
    task: Mutex<Option<Waker>>,
}

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.flag.store(true, Ordering::Release);
        if let Some(task) = &*self.task.lock().unwrap_or_else(|p| p.into_inner()) {
            task.wake_by_ref();
        }
    }
}

pub(super) fn quiet<F: Future>(inner: F) -> Quiet<F> {
    let woken = Arc::new(Woken {
        flag: AtomicBool::new(true),
        task: Mutex::new(None),
    });
    Quiet {
        inner,
        waker: Waker::from(woken.clone()),
        woken,
        task: None,
    }
}

impl<F: Future> Future for Quiet<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let me = self.project();
        if !me.task.as_ref().is_some_and(|t| t.will_wake(cx.waker())) {
            *me.woken.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(cx.waker().clone());
            *me.task = Some(cx.waker().clone());
        }
        // A wake-up between this swap and the poll below sets the flag again: at worst one
        // poll more, never one missed.
        if !me.woken.flag.swap(false, Ordering::AcqRel) {
            return Poll::Pending;
        }
        me.inner.poll(&mut Context::from_waker(me.waker))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Counts its polls; ready once `open` is set, waking through the waker it last saw.
    struct Gate {
        polls: Arc<AtomicUsize>,
        open: Arc<AtomicBool>,
        waker: Arc<Mutex<Option<Waker>>>,
    }

    impl Future for Gate {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.polls.fetch_add(1, Ordering::SeqCst);
            if self.open.load(Ordering::SeqCst) {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    #[test]
    fn polled_first_then_only_after_its_own_wake_up() {
        let polls = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(AtomicBool::new(false));
        let gate_waker = Arc::new(Mutex::new(None::<Waker>));
        let mut fut = Box::pin(quiet(Gate {
            polls: polls.clone(),
            open: open.clone(),
            waker: gate_waker.clone(),
        }));
        let task_woke = Arc::new(Woken {
            flag: AtomicBool::new(false),
            task: Mutex::new(None),
        });
        let task_waker = Waker::from(task_woke.clone());
        let mut cx = Context::from_waker(&task_waker);
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert_eq!(
            polls.load(Ordering::SeqCst),
            1,
            "a wake-up it did not cause skips it"
        );
        open.store(true, Ordering::SeqCst);
        let woke = gate_waker
            .lock()
            .unwrap()
            .take()
            .expect("the gate kept a waker");
        woke.wake();
        assert!(
            task_woke.flag.load(Ordering::SeqCst),
            "its wake-up wakes the task"
        );
        assert!(fut.as_mut().poll(&mut cx).is_ready());
        assert_eq!(polls.load(Ordering::SeqCst), 2);
    }
}
