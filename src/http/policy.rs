//! Who may talk to the server and what they may ask for (contract §3 and §4): concurrent
//! connections and request rate per client address, deny patterns on paths and a Host
//! allow-list. Decided before TLS (connections) or before any handler, middleware or static
//! file work (requests), so a scanner costs as little as possible. Everything is off until a
//! knob turns it on, and what is off costs a branch.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwap;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hyper::header::{HeaderMap, FORWARDED};

use super::options::{Action, DenyRule, ServerOptions};
use crate::error::{Error, Result};
use crate::log::LEVEL_WARN;
use crate::log_throttle::{self, Throttle};
use crate::tcp::{client_key, ConnectionSlot, PerIpConnections};

/// What a request gets instead of the handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Answer(u16),
    /// Close the connection without any response (nginx's 444).
    Drop,
}

impl From<Action> for Verdict {
    fn from(a: Action) -> Self {
        match a {
            Action::Status(s) => Verdict::Answer(s),
            Action::Drop => Verdict::Drop,
        }
    }
}

/// The service's error for a dropped request: hyper closes the connection without answering.
#[derive(Debug, thiserror::Error)]
#[error("request dropped by the server's policy")]
pub struct Dropped;

/// Rate-limiter entries are swept once the table holds this many addresses, so memory follows
/// the clients seen within one burst's refill time, not every client ever seen.
const SWEEP_AT: usize = 4096;
/// Requests between two looks at the table's size.
const SWEEP_EVERY: u32 = 256;
/// The most addresses tracked at once. Beyond it (many addresses each inside its burst, as a
/// flood from a large IPv6 range is) the table starts over empty: every address gets a fresh
/// bucket, a brief leniency that costs no more memory.
const MAX_TRACKED: usize = 65536;

struct Rate {
    /// Replaced whole when it grows past `MAX_TRACKED`.
    limiter: ArcSwap<DefaultKeyedRateLimiter<IpAddr>>,
    quota: Quota,
    action: Action,
    checks: AtomicU32,
}

impl Rate {
    fn sweep(&self) {
        let limiter = self.limiter.load();
        limiter.retain_recent();
        if limiter.len() >= MAX_TRACKED {
            self.limiter.store(Arc::new(RateLimiter::keyed(self.quota)));
            static STARTED_OVER: Throttle = Throttle::new(log_throttle::INTERVAL);
            STARTED_OVER.log(LEVEL_WARN, || {
                format!("http: per_ip_rate is tracking {MAX_TRACKED} addresses; starting over")
            });
        } else {
            limiter.shrink_to_fit();
        }
    }
}

pub struct Policy {
    connections: Arc<PerIpConnections>,
    rate: Option<Rate>,
    deny: Option<(GlobSet, Vec<Action>)>,
    hosts: Option<(GlobSet, Action)>,
    trusted: Vec<ipnet::IpNet>,
}

/// A deny pattern as the matcher sees it: case-insensitive, `*` crossing `/`, and a pattern
/// without a leading `/` or `*` matching at any depth (`.git` is `*/.git`).
pub(crate) fn compile_glob(pattern: &str) -> std::result::Result<globset::Glob, String> {
    let anchored = if pattern.starts_with('/') || pattern.starts_with('*') {
        pattern.to_owned()
    } else {
        format!("*/{pattern}")
    };
    GlobBuilder::new(&anchored)
        .case_insensitive(true)
        .literal_separator(false)
        .backslash_escape(false)
        .build()
        .map_err(|e| format!("bad pattern {pattern:?}: {e}"))
}

/// A Host allow-list entry: a case-insensitive glob on the name without its port.
pub(crate) fn compile_host(host: &str) -> std::result::Result<globset::Glob, String> {
    GlobBuilder::new(host)
        .case_insensitive(true)
        .build()
        .map_err(|e| format!("bad host {host:?}: {e}"))
}

fn glob_set<'a>(patterns: impl Iterator<Item = &'a str>) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(compile_glob(p).map_err(Error::InvalidArgument)?);
    }
    b.build()
        .map_err(|e| Error::InvalidArgument(format!("patterns: {e}")))
}

/// The path deny patterns are matched against: percent-decoded once (so `%2e%2e` is `..` but
/// `%252e` stays `%2e`, as the static file handler sees it), `\` read as `/`, empty and `.`
/// segments removed and `..` resolved without climbing above the root. A scanner's
/// `/a/%2e%2e/.env` is then `/.env`, the file it is after.
pub fn normalise_path(raw: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let mut segments: Vec<&str> = Vec::new();
    for seg in decoded.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::with_capacity(decoded.len() + 1);
    for s in &segments {
        out.push('/');
        out.push_str(s);
    }
    if out.is_empty() || decoded.ends_with('/') {
        out.push('/');
    }
    out
}

/// `Host` without its port or trailing dot: `Example.COM.:8080` is `Example.COM`.
fn host_name(host: &str) -> &str {
    let name = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.strip_suffix('.').unwrap_or(name)
}

/// The `for=` value of one `Forwarded` element, unquoted.
fn forwarded_for(element: &str) -> Option<String> {
    element.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("for")
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// `192.0.2.1`, `192.0.2.1:80`, `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:80`.
fn parse_hop(hop: &str) -> Option<SocketAddr> {
    if let Ok(a) = hop.parse::<SocketAddr>() {
        return Some(a);
    }
    let bare = hop
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(hop);
    bare.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 0))
}

impl Policy {
    pub fn new(o: &ServerOptions) -> Result<Self> {
        let rate = match NonZeroU32::new(o.per_ip_rate) {
            None => None,
            Some(per_second) => {
                let burst = NonZeroU32::new(o.per_ip_burst).unwrap_or(per_second);
                let quota = Quota::per_second(per_second).allow_burst(burst);
                Some(Rate {
                    limiter: ArcSwap::from_pointee(RateLimiter::keyed(quota)),
                    quota,
                    action: o.per_ip_rate_action,
                    checks: AtomicU32::new(0),
                })
            }
        };
        let deny = if o.deny_paths.is_empty() {
            None
        } else {
            let set = glob_set(o.deny_paths.iter().map(|r| r.pattern.as_str()))?;
            let actions = o
                .deny_paths
                .iter()
                .map(|r: &DenyRule| r.action.unwrap_or(o.deny_action))
                .collect();
            Some((set, actions))
        };
        let hosts = if o.allow_hosts.is_empty() {
            None
        } else {
            let mut b = GlobSetBuilder::new();
            for h in &o.allow_hosts {
                b.add(compile_host(h).map_err(Error::InvalidArgument)?);
            }
            let set = b
                .build()
                .map_err(|e| Error::InvalidArgument(format!("hosts: {e}")))?;
            Some((set, o.host_action))
        };
        Ok(Policy {
            connections: Arc::new(PerIpConnections::new(o.per_ip_connections)),
            rate,
            deny,
            hosts,
            trusted: o.trusted_proxies.clone(),
        })
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = client_key(ip);
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client a request comes from: `peer`, unless `peer` is a trusted proxy, in which case
    /// the forwarding header is walked from the right (the hop nearest to us) past trusted
    /// proxies to the first address that is not one. `Forwarded` wins over
    /// `X-Forwarded-For`; an entry that is no address (`unknown`, an obfuscated name) ends the
    /// walk at the hop that reported it. A forwarded address without a port has port 0.
    pub fn client_addr(&self, peer: SocketAddr, headers: &HeaderMap) -> SocketAddr {
        if self.trusted.is_empty() || !self.trusts(peer.ip()) {
            return peer;
        }
        let forwarded: Vec<String> = headers
            .get_all(FORWARDED)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(forwarded_for)
            .collect();
        let hops: Vec<String> = if forwarded.is_empty() {
            headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(|s| s.trim().to_owned())
                .collect()
        } else {
            forwarded
        };
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(addr) = parse_hop(hop) else { break };
            client = addr;
            if !self.trusts(addr.ip()) {
                break;
            }
        }
        client
    }

    /// A slot for one more connection from `ip`, or `None` when it has its share open.
    pub fn admit_connection(&self, ip: IpAddr) -> Option<ConnectionSlot> {
        self.connections.admit(ip)
    }

    /// Rate, then Host, then path: a flooding client is shed before any matching work.
    /// `path` is the request target without its query.
    pub fn check_request(&self, ip: IpAddr, host: Option<&str>, path: &str) -> Verdict {
        if let Some(rate) = &self.rate {
            let ip = client_key(ip);
            if rate.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == 0
                && rate.limiter.load().len() >= SWEEP_AT
            {
                rate.sweep();
            }
            if rate.limiter.load().check_key(&ip).is_err() {
                static LIMITED: Throttle = Throttle::new(log_throttle::INTERVAL);
                LIMITED.log(LEVEL_WARN, || {
                    format!("http: {ip} is over per_ip_rate; refusing its requests")
                });
                return rate.action.into();
            }
        }
        if let Some((allowed, action)) = &self.hosts {
            if !host.is_some_and(|h| allowed.is_match(host_name(h))) {
                return (*action).into();
            }
        }
        if let Some((set, actions)) = &self.deny {
            let path = normalise_path(path);
            if let Some(first) = set.matches(&path).into_iter().min() {
                return actions[first].into();
            }
        }
        Verdict::Pass
    }

    #[cfg(test)]
    fn tracked_rate_keys(&self) -> usize {
        self.rate.as_ref().map_or(0, |r| r.limiter.load().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knobs::Knobs;
    use std::net::Ipv4Addr;

    fn policy(knobs: &[(&str, &str)]) -> Arc<Policy> {
        let mut o = ServerOptions::defaults();
        for (k, v) in knobs {
            o.set(k, v).unwrap();
        }
        Arc::new(Policy::new(&o).unwrap())
    }

    const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn paths_are_decoded_and_resolved_before_matching() {
        assert_eq!(normalise_path("/a/%2e%2e/.env"), "/.env");
        assert_eq!(normalise_path("/../../x.php"), "/x.php");
        assert_eq!(normalise_path("//a/./b/"), "/a/b/");
        assert_eq!(normalise_path("/%252e%252e/"), "/%2e%2e/");
        assert_eq!(normalise_path("/a\\..\\b"), "/b");
        assert_eq!(normalise_path(""), "/");
    }

    #[test]
    fn deny_patterns_match_case_insensitively_with_their_own_actions() {
        let p = policy(&[("deny_paths", "*.php,/.env*=403,/wp-*,.git")]);
        let check = |path| p.check_request(LOCAL, Some("h"), path);
        assert_eq!(check("/index.PHP"), Verdict::Drop);
        assert_eq!(check("/x/%2e%2e/a/b.php"), Verdict::Drop);
        assert_eq!(check("/.env.bak"), Verdict::Answer(403));
        assert_eq!(check("/static/../.ENV"), Verdict::Answer(403));
        assert_eq!(check("/wp-login"), Verdict::Drop);
        assert_eq!(check("/deep/.git"), Verdict::Drop);
        assert_eq!(check("/ping"), Verdict::Pass);
        assert_eq!(check("/php"), Verdict::Pass);
    }

    #[test]
    fn hosts_outside_the_allow_list_get_its_action() {
        let p = policy(&[
            ("allow_hosts", "example.com,*.example.org"),
            ("host_action", "421"),
        ]);
        let check = |host| p.check_request(LOCAL, host, "/");
        assert_eq!(check(Some("Example.COM:8080")), Verdict::Pass);
        assert_eq!(check(Some("a.example.org.")), Verdict::Pass);
        assert_eq!(check(Some("127.0.0.1:80")), Verdict::Answer(421));
        assert_eq!(check(None), Verdict::Answer(421));
        assert_eq!(check(Some("[::1]:80")), Verdict::Answer(421));
    }

    #[test]
    fn the_rate_table_forgets_clients_that_went_quiet() {
        let p = policy(&[("per_ip_rate", "100000"), ("per_ip_burst", "1")]);
        for i in 0..(SWEEP_AT as u32 + 2 * SWEEP_EVERY) {
            let ip = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
            assert_eq!(p.check_request(ip, None, "/"), Verdict::Pass);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        for _ in 0..SWEEP_EVERY {
            let _ = p.check_request(LOCAL, None, "/");
        }
        assert!(
            p.tracked_rate_keys() < SWEEP_AT,
            "{}",
            p.tracked_rate_keys()
        );
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let p = policy(&[("trusted_proxies", "127.0.0.1,10.0.0.0/8")]);
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let client = |peer: SocketAddr, name: &'static str, value: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(name, value.parse().unwrap());
            p.client_addr(peer, &h)
        };
        let xff = "x-forwarded-for";
        assert_eq!(
            client(peer, xff, "198.51.100.1, 203.0.113.9, 10.1.2.3").to_string(),
            "203.0.113.9:0"
        );
        assert_eq!(
            client(peer, xff, "10.0.0.1, 10.0.0.2").to_string(),
            "10.0.0.1:0"
        );
        assert_eq!(
            client(peer, xff, "1.2.3.4, unknown, 10.0.0.2").to_string(),
            "10.0.0.2:0"
        );
        let untrusted: SocketAddr = "127.0.0.2:6000".parse().unwrap();
        assert_eq!(client(untrusted, xff, "203.0.113.9"), untrusted);
        assert_eq!(
            client(
                peer,
                "forwarded",
                "for=192.0.2.60;proto=http, for=\"[2001:db8::7]:4711\""
            )
            .to_string(),
            "[2001:db8::7]:4711"
        );
        assert_eq!(client(peer, "forwarded", "for=_hidden"), peer);
        assert_eq!(policy(&[]).client_addr(peer, &HeaderMap::new()), peer);
    }

    #[test]
    fn the_rate_table_starts_over_rather_than_grow_past_its_bound() {
        let p = policy(&[("per_ip_rate", "1"), ("per_ip_burst", "1")]);
        for i in 0..(MAX_TRACKED as u32 + SWEEP_EVERY) {
            // Each from a /64 of its own: addresses within one /64 count as one client.
            let ip = IpAddr::V6(std::net::Ipv6Addr::from(
                0x2001_0db8_u128 << 96 | u128::from(i) << 64,
            ));
            let _ = p.check_request(ip, None, "/");
        }
        assert!(
            p.tracked_rate_keys() < MAX_TRACKED,
            "{}",
            p.tracked_rate_keys()
        );
    }

    #[test]
    fn a_burst_is_served_and_the_rest_refused() {
        let p = policy(&[
            ("per_ip_rate", "1"),
            ("per_ip_burst", "5"),
            ("per_ip_rate_action", "drop"),
        ]);
        let served = (0..20)
            .filter(|_| p.check_request(LOCAL, None, "/") == Verdict::Pass)
            .count();
        assert!((5..=6).contains(&served), "{served}");
        assert_eq!(p.check_request(LOCAL, None, "/"), Verdict::Drop);
        let other = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
        assert_eq!(p.check_request(other, None, "/"), Verdict::Pass);
    }
}
