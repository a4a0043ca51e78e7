//! SIGHUP and SIGTERM for servers whose knobs ask for them (`reload_on_sighup`,
//! `drain_on_sigterm`). signal-hook's handlers only write to a pipe; one thread for the whole
//! process reads it and hands each signal to the servers watching it, so nothing but that
//! write runs in signal context. A signal no running server takes does what it did before
//! hv-rs listened to it: when that was the default (ending the process), it still ends it.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use signal_hook::iterator::{Handle, Signals};

use crate::error::{Error, Result};

/// What a server does with a signal; `false` when it does not want it now (not running,
/// knob off), so the signal's default may apply.
pub(super) trait SignalTarget: Send + Sync {
    fn on_signal(self: Arc<Self>, signal: i32) -> bool;
}

struct Registry {
    handle: Handle,
    watches: Vec<(i32, Weak<dyn SignalTarget>)>,
    /// Signals added so far, with whether their disposition was the default before.
    added: Vec<(i32, bool)>,
}

fn registry() -> MutexGuard<'static, Option<Registry>> {
    static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether `signal` has its default disposition (no handler, not ignored).
fn is_default(signal: i32) -> bool {
    // SAFETY: an all-zero `sigaction` is a valid value of this plain C struct.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a NULL new action makes sigaction only read the current one into `old`.
    let rc = unsafe { libc::sigaction(signal, std::ptr::null(), &mut old) };
    rc == 0 && old.sa_sigaction == libc::SIG_DFL
}

/// Hands `signal` to `target` from now on (once per target and signal).
pub(super) fn watch(signal: i32, target: Weak<dyn SignalTarget>) -> Result<()> {
    let mut guard = registry();
    let reg = match guard.as_mut() {
        Some(reg) => reg,
        None => {
            let signals =
                Signals::new(Vec::<i32>::new()).map_err(|e| Error::io("signal handling", e))?;
            let handle = signals.handle();
            std::thread::Builder::new()
                .name("hv-signals".into())
                .spawn(move || deliver(signals))
                .map_err(|e| Error::io("signal thread", e))?;
            guard.insert(Registry {
                handle,
                watches: Vec::new(),
                added: Vec::new(),
            })
        }
    };
    if !reg.added.iter().any(|(s, _)| *s == signal) {
        let was_default = is_default(signal);
        reg.handle
            .add_signal(signal)
            .map_err(|e| Error::io(format!("handling signal {signal}"), e))?;
        reg.added.push((signal, was_default));
    }
    reg.watches.retain(|(_, t)| t.strong_count() > 0);
    if !reg
        .watches
        .iter()
        .any(|(s, t)| *s == signal && Weak::ptr_eq(t, &target))
    {
        reg.watches.push((signal, target));
    }
    Ok(())
}

fn deliver(mut signals: Signals) {
    for signal in signals.forever() {
        let (targets, was_default) = {
            let guard = registry();
            let Some(reg) = guard.as_ref() else { continue };
            let targets: Vec<Arc<dyn SignalTarget>> = reg
                .watches
                .iter()
                .filter(|(s, _)| *s == signal)
                .filter_map(|(_, t)| t.upgrade())
                .collect();
            let was_default = reg.added.iter().any(|(s, d)| *s == signal && *d);
            (targets, was_default)
        };
        let taken = targets
            .into_iter()
            .fold(false, |taken, t| t.on_signal(signal) | taken);
        if !taken && was_default {
            let _ = signal_hook::low_level::emulate_default_handler(signal);
        }
    }
}
