//! What an accept loop does when the descriptor table is full. The listening socket stays
//! readable while `accept` fails with EMFILE/ENFILE, so retrying at once spins a core and,
//! logging each failure, floods the log (libhv wrote millions of lines a second). Instead the
//! loop pauses, longer while the failures go on, and reports once per interval how many it saw.

use std::io;
use std::time::Duration;

use crate::log::{LEVEL_DEBUG, LEVEL_WARN};
use crate::log_throttle::{Throttle, INTERVAL};

/// First pause after a resource failure; doubled while failures continue.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// Longest pause: a freed descriptor is taken up within this.
const MAX_PAUSE: Duration = Duration::from_millis(500);

pub(crate) struct AcceptBackoff {
    what: &'static str,
    pause: Duration,
    log: Throttle,
}

/// Failures that free themselves only when other connections close.
fn out_of_resources(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

impl AcceptBackoff {
    /// `what` names the server in the log line ("http accept").
    pub(crate) fn new(what: &'static str) -> Self {
        AcceptBackoff {
            what,
            pause: FIRST_PAUSE,
            log: Throttle::new(INTERVAL),
        }
    }

    /// A connection was accepted: the next failure starts from the shortest pause again.
    pub(crate) fn succeeded(&mut self) {
        self.pause = FIRST_PAUSE;
    }

    /// How long to wait before the next `accept` after `e`, logging at most once per interval.
    /// Per-connection failures (the peer reset before accept) need no pause.
    pub(crate) fn failed(&mut self, e: &io::Error) -> Option<Duration> {
        if !out_of_resources(e) {
            crate::hv_log!(LEVEL_DEBUG, "{}: {e}", self.what);
            return None;
        }
        self.log.log(LEVEL_WARN, || {
            format!(
                "{}: {e}; pausing accept up to {MAX_PAUSE:?} at a time until descriptors are free",
                self.what
            )
        });
        let pause = self.pause;
        self.pause = (self.pause * 2).min(MAX_PAUSE);
        Some(pause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_to_a_bound_and_reset_after_success() {
        let mut b = AcceptBackoff::new("test accept");
        let emfile = io::Error::from_raw_os_error(libc::EMFILE);
        let pauses: Vec<_> = (0..10).map(|_| b.failed(&emfile).unwrap()).collect();
        assert_eq!(pauses[0], FIRST_PAUSE);
        assert!(pauses.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*pauses.last().unwrap(), MAX_PAUSE);
        b.succeeded();
        assert_eq!(b.failed(&emfile), Some(FIRST_PAUSE));
        let reset = io::Error::from_raw_os_error(libc::ECONNABORTED);
        assert_eq!(b.failed(&reset), None);
    }
}
