//! Open connections per client address, so one address cannot take every connection a
//! server allows. Checked at accept (or right after a PROXY header names the client), before
//! TLS and before any byte of the client's is read. The table holds only addresses with a
//! connection open: it is bounded by the connection caps, not by how many clients came.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

pub struct PerIpConnections {
    /// 0: no cap.
    max: u32,
    open: Mutex<HashMap<IpAddr, u32>>,
}

/// One client's place among the per-IP connections, given back when dropped.
pub struct ConnectionSlot {
    held: Option<(Arc<PerIpConnections>, IpAddr)>,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if let Some((table, ip)) = self.held.take() {
            let mut open = lock(&table.open);
            if let Some(n) = open.get_mut(&ip) {
                *n -= 1;
                if *n == 0 {
                    open.remove(&ip);
                }
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The address a per-IP limit counts. IPv4 clients reaching a dual-stack socket as
/// `::ffff:a.b.c.d` are the same clients; an IPv6 client is its /64, the network one
/// subscriber is given, in which a host picks any address it likes.
pub(crate) fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u128::MAX >> 64))),
        v4 => v4,
    }
}

impl PerIpConnections {
    pub fn new(max: u32) -> Self {
        PerIpConnections {
            max,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// A slot for one more connection from `ip`, or `None` when it has its share open.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<ConnectionSlot> {
        if self.max == 0 {
            return Some(ConnectionSlot { held: None });
        }
        let ip = client_key(ip);
        let mut open = lock(&self.open);
        let n = open.entry(ip).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(ConnectionSlot {
            held: Some((self.clone(), ip)),
        })
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        lock(&self.open).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn connections_are_capped_per_address_and_given_back() {
        let t = Arc::new(PerIpConnections::new(2));
        let (one, two) = (
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
        );
        let a = t.admit(one).unwrap();
        let b = t.admit(one).unwrap();
        assert!(t.admit(one).is_none());
        assert!(t.admit("::ffff:127.0.0.1".parse().unwrap()).is_none());
        assert!(t.admit(two).is_some());
        drop(a);
        assert!(t.admit(one).is_some());
        drop(b);
        assert_eq!(t.tracked(), 0);
        // One IPv6 /64 is one client, whatever address in it a connection comes from.
        let v6 = Arc::new(PerIpConnections::new(1));
        let _held = v6.admit("2001:db8:1:2::1".parse().unwrap()).unwrap();
        assert!(v6.admit("2001:db8:1:2:ffff::9".parse().unwrap()).is_none());
        assert!(v6.admit("2001:db8:1:3::1".parse().unwrap()).is_some());
        let off = Arc::new(PerIpConnections::new(0));
        let slots: Vec<_> = (0..100).map(|_| off.admit(one).unwrap()).collect();
        assert_eq!((slots.len(), off.tracked()), (100, 0));
    }
}
