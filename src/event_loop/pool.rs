//! `EventLoopThreadPool`: N loop threads and libhv's load-balancing choices among them.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::thread::{PostHook, PreHook};
use super::{EventLoop, LoopThread};
use crate::error::Result;

/// libhv's `load_balance_e`. libhv never implemented IP hashing; here it keeps one client address
/// on one loop. URL hashing means nothing for TCP and picks the first loop, as in libhv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadBalance {
    RoundRobin = 0,
    Random = 1,
    LeastConnections = 2,
    IpHash = 3,
    UrlHash = 4,
}

impl LoadBalance {
    pub fn from_raw(v: i32) -> Option<Self> {
        Some(match v {
            0 => Self::RoundRobin,
            1 => Self::Random,
            2 => Self::LeastConnections,
            3 => Self::IpHash,
            4 => Self::UrlHash,
            _ => return None,
        })
    }
}

pub struct LoopPool {
    threads: Vec<LoopThread>,
    next: AtomicUsize,
}

impl LoopPool {
    pub fn new(thread_num: usize) -> Self {
        LoopPool {
            threads: (0..thread_num).map(|_| LoopThread::new(None)).collect(),
            next: AtomicUsize::new(0),
        }
    }

    /// libhv's default thread count: one per hardware thread.
    pub fn default_thread_num() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    pub fn thread_num(&self) -> usize {
        self.threads.len()
    }

    pub fn start(&self, wait: bool) -> Result<()> {
        self.start_with(wait, |_| (None, None))
    }

    /// Starts every thread with the hooks `hooks` makes for its loop.
    pub fn start_with(
        &self,
        wait: bool,
        mut hooks: impl FnMut(&Arc<EventLoop>) -> (Option<PreHook>, Option<PostHook>),
    ) -> Result<()> {
        for t in &self.threads {
            if !t.is_started() {
                let (pre, post) = hooks(t.event_loop());
                t.start(wait, pre, post)?;
            }
        }
        Ok(())
    }

    pub fn stop(&self, wait: bool) {
        for t in &self.threads {
            t.event_loop().stop();
        }
        if wait {
            self.join();
        }
    }

    pub fn join(&self) {
        for t in &self.threads {
            t.join();
        }
    }

    pub fn get(&self, idx: usize) -> Option<&Arc<EventLoop>> {
        self.threads.get(idx).map(LoopThread::event_loop)
    }

    /// Picks a loop; round robin pre-increments, so with two loops the first pick is index 1.
    pub fn next_loop(&self, lb: LoadBalance) -> Option<&Arc<EventLoop>> {
        self.next_loop_for(lb, None)
    }

    /// As `next_loop`, with the client's address for `IpHash`.
    pub fn next_loop_for(&self, lb: LoadBalance, peer: Option<IpAddr>) -> Option<&Arc<EventLoop>> {
        let n = self.threads.len();
        if n == 0 {
            return None;
        }
        let idx = match lb {
            LoadBalance::RoundRobin => (self.next.fetch_add(1, Ordering::Relaxed) + 1) % n,
            LoadBalance::Random => random_below(n),
            LoadBalance::LeastConnections => (0..n)
                .min_by_key(|&i| {
                    self.threads[i]
                        .event_loop()
                        .connection_num
                        .load(Ordering::Relaxed)
                })
                .unwrap_or(0),
            LoadBalance::IpHash => peer.map_or(0, |ip| hash_ip(ip) % n),
            LoadBalance::UrlHash => 0,
        };
        self.get(idx)
    }
}

/// FNV-1a: stable across runs, so one address always lands on the same loop.
fn hash_ip(ip: IpAddr) -> usize {
    let bytes = match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    }) as usize
}

fn random_below(n: usize) -> usize {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_usize(n);
    (h.finish() as usize) % n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_starts_at_one_and_least_connections_prefers_lowest_index() {
        let pool = LoopPool::new(2);
        let ids: Vec<u32> = (0..4)
            .map(|_| pool.next_loop(LoadBalance::RoundRobin).unwrap().id())
            .collect();
        let (l0, l1) = (pool.get(0).unwrap().id(), pool.get(1).unwrap().id());
        assert_eq!(ids, vec![l1, l0, l1, l0]);
        assert_eq!(
            pool.next_loop(LoadBalance::LeastConnections).unwrap().id(),
            l0
        );
        pool.get(0)
            .unwrap()
            .connection_num
            .store(3, Ordering::Relaxed);
        assert_eq!(
            pool.next_loop(LoadBalance::LeastConnections).unwrap().id(),
            l1
        );
        assert!(LoopPool::new(0).next_loop(LoadBalance::Random).is_none());
        let a: IpAddr = "10.1.2.3".parse().unwrap();
        let first = pool
            .next_loop_for(LoadBalance::IpHash, Some(a))
            .unwrap()
            .id();
        assert!((0..10).all(|_| pool
            .next_loop_for(LoadBalance::IpHash, Some(a))
            .unwrap()
            .id()
            == first));
    }
}
