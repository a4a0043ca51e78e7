//! Rate-limited log lines. A server under attack fails the same way thousands of times a
//! second (a full descriptor table, a scanner over its per-IP share, garbage where a PROXY
//! header belongs); one line per failure would flood the log and cost more than the failure.
//! Each place that can fail like that owns a `Throttle`: the first failure is logged, the
//! repeats within the interval are only counted, and the next line says how many there were.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The interval the server's own throttled lines use.
pub const INTERVAL: Duration = Duration::from_secs(5);

pub struct Throttle {
    interval: Duration,
    /// When the last line was written, and how many were held back since.
    state: Mutex<(Option<Instant>, u64)>,
}

impl Throttle {
    pub const fn new(interval: Duration) -> Self {
        Throttle {
            interval,
            state: Mutex::new((None, 0)),
        }
    }

    /// Logs `msg()` at `level` unless a line was written within the interval; `msg` is only
    /// formatted when it is written. Returns whether it was.
    pub fn log(&self, level: i32, msg: impl FnOnce() -> String) -> bool {
        if !crate::log::enabled(level) {
            return false;
        }
        let now = Instant::now();
        let held_back = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if s.0.is_some_and(|t| now.duration_since(t) < self.interval) {
                s.1 += 1;
                return false;
            }
            s.0 = Some(now);
            std::mem::take(&mut s.1)
        };
        let mut line = msg();
        if held_back > 0 {
            line.push_str(&format!(
                " ({held_back} more like it since the last report)"
            ));
        }
        crate::log::write(level, line.as_bytes());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::LEVEL_ERROR;

    #[test]
    fn repeats_within_the_interval_are_counted_not_written() {
        let t = Throttle::new(Duration::from_secs(3600));
        let written = (0..1000)
            .filter(|i| t.log(LEVEL_ERROR, || format!("failure {i}")))
            .count();
        assert_eq!(written, 1);
        assert_eq!(t.state.lock().unwrap().1, 999);
        let t = Throttle::new(Duration::ZERO);
        assert!(t.log(LEVEL_ERROR, String::new) && t.log(LEVEL_ERROR, String::new));
    }
}
