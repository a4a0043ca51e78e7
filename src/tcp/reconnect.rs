//! libhv's `reconn_setting_t`: reconnect delays and retry counting for `TcpClient`.

use crate::event_loop::INFINITE;

/// Field for field libhv's `reconn_setting_t` (all milliseconds / counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectSetting {
    pub min_delay: u32,
    pub max_delay: u32,
    pub cur_delay: u32,
    /// 0 = fixed (`min_delay`), 1 = linear (`+min_delay`), n >= 2 = multiply by n.
    pub delay_policy: u32,
    /// Retries allowed after the first failure; `INFINITE` for no limit (libhv 1.3.4's count).
    pub max_retry_cnt: u32,
    pub cur_retry_cnt: u32,
}

impl Default for ReconnectSetting {
    fn default() -> Self {
        ReconnectSetting {
            min_delay: 1000,
            max_delay: 60000,
            cur_delay: 0,
            delay_policy: 2,
            max_retry_cnt: INFINITE,
            cur_retry_cnt: 0,
        }
    }
}

impl ReconnectSetting {
    pub fn reset(&mut self) {
        self.cur_delay = 0;
        self.cur_retry_cnt = 0;
    }

    /// Counts one more attempt and says whether it is allowed.
    pub fn can_retry(&mut self) -> bool {
        self.cur_retry_cnt = self.cur_retry_cnt.saturating_add(1);
        self.max_retry_cnt == INFINITE || self.cur_retry_cnt <= self.max_retry_cnt
    }

    /// The next delay, clamped to `[min_delay, max_delay]`.
    pub fn calc_delay(&mut self) -> u32 {
        let next = match self.delay_policy {
            0 => self.min_delay,
            1 => self.cur_delay.saturating_add(self.min_delay),
            p => self.cur_delay.saturating_mul(p),
        };
        self.cur_delay = next
            .max(self.min_delay)
            .min(self.max_delay.max(self.min_delay));
        self.cur_delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delays(mut s: ReconnectSetting, n: usize) -> Vec<u32> {
        (0..n).map(|_| s.calc_delay()).collect()
    }

    #[test]
    fn policies_follow_libhv() {
        let base = ReconnectSetting {
            min_delay: 1000,
            max_delay: 10000,
            ..Default::default()
        };
        assert_eq!(delays(base, 6), vec![1000, 2000, 4000, 8000, 10000, 10000]);
        let linear = ReconnectSetting {
            min_delay: 3000,
            delay_policy: 1,
            ..base
        };
        assert_eq!(delays(linear, 4), vec![3000, 6000, 9000, 10000]);
        let fixed = ReconnectSetting {
            delay_policy: 0,
            ..base
        };
        assert_eq!(delays(fixed, 3), vec![1000, 1000, 1000]);
    }

    #[test]
    fn max_retry_cnt_counts_retries() {
        let mut s = ReconnectSetting {
            max_retry_cnt: 2,
            ..Default::default()
        };
        assert!(s.can_retry());
        assert!(s.can_retry());
        assert!(!s.can_retry());
        let mut forever = ReconnectSetting::default();
        assert!((0..1000).all(|_| forever.can_retry()));
    }
}
