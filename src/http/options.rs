//! The HTTP server's knobs (`hv_http_server_set_option`, `hv::HttpServer::setOption`, `HV_`
//! variables): see `crate::knobs`.

use std::path::PathBuf;
use std::time::Duration;

use crate::knobs::{
    bytes, count, count32, knob, list, millis, off_or_count, size, size32, switch, Knob, Knobs,
    Parsed,
};

/// Everything a server enforces on its clients (contract §3 and §4).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServerOptions {
    pub handshake_timeout: Duration,
    pub first_byte_timeout: Duration,
    pub head_timeout: Duration,
    pub keepalive_timeout: Duration,
    pub body_timeout: Duration,
    pub send_timeout: Duration,
    pub max_request_line: usize,
    pub max_header_field: usize,
    pub max_head: usize,
    pub max_headers: usize,
    pub max_body: u64,
    pub worker_connections: u32,
    // Client policy (src/http/policy.rs).
    pub per_ip_connections: u32,
    pub per_ip_rate: u32,
    pub per_ip_burst: u32,
    pub per_ip_rate_action: Action,
    pub deny_paths: Vec<DenyRule>,
    pub deny_action: Action,
    pub allow_hosts: Vec<String>,
    pub host_action: Action,
    pub proxy_protocol_http: bool,
    pub proxy_protocol_https: bool,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub refuse_unknown_sni: bool,
    /// More SNI certificates, `(host, crt_file, key_file)`, added at start to the program's.
    pub sni_certs: Vec<(String, PathBuf, PathBuf)>,
    pub reuse_port: bool,
    pub reload_on_sighup: bool,
    pub drain_on_sigterm: bool,
    pub drain_timeout: Duration,
    // HTTP/2 (src/http/server.rs).
    pub h2_max_concurrent_streams: u32,
    pub h2_max_header_list_size: u32,
    pub h2_max_pending_accept_reset_streams: usize,
    pub h2_max_local_error_reset_streams: usize,
    pub h2_keepalive_interval: Duration,
    pub h2_keepalive_timeout: Duration,
}

/// What a refused request gets: a status page, or the connection closed with no answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Action {
    Status(u16),
    #[default]
    Drop,
}

/// One deny pattern, with its own action or (`None`) the `deny_action`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DenyRule {
    pub pattern: String,
    pub action: Option<Action>,
}

/// `host=crt_file,key_file` entries separated by `;`, or `none`.
fn sni_list(v: &str) -> Parsed<Vec<(String, PathBuf, PathBuf)>> {
    let v = v.trim();
    if v.is_empty() || v == "none" {
        return Ok(Vec::new());
    }
    v.split(';')
        .filter(|entry| !entry.trim().is_empty())
        .map(|entry| {
            let bad =
                || format!("expected host=crt_file,key_file entries separated by ; in {entry:?}");
            let (host, files) = entry.split_once('=').ok_or_else(bad)?;
            let (crt, key) = files.split_once(',').ok_or_else(bad)?;
            let (host, crt, key) = (host.trim(), crt.trim(), key.trim());
            if host.is_empty() || crt.is_empty() || key.is_empty() {
                return Err(bad());
            }
            Ok((host.to_owned(), PathBuf::from(crt), PathBuf::from(key)))
        })
        .collect()
}

/// Every knob, in the order the README lists them.
pub const KNOBS: &[Knob<ServerOptions>] = &[
    knob!(
        "handshake_timeout_ms",
        "10000",
        "TLS handshake must finish (counted against the connection caps); then close",
        handshake_timeout,
        millis
    ),
    knob!(
        "first_byte_timeout_ms",
        "30000",
        "a new connection must send its first byte; then close",
        first_byte_timeout,
        millis
    ),
    knob!(
        "head_timeout_ms",
        "10000",
        "a request head must complete, from its first byte; then 408 and close",
        head_timeout,
        millis
    ),
    knob!(
        "keepalive_timeout_ms",
        "75000",
        "idle keep-alive connection (libhv's keepalive_timeout); then close",
        keepalive_timeout,
        millis
    ),
    knob!(
        "body_timeout_ms",
        "30000",
        "longest wait for the next byte of a request body; then 408 and close",
        body_timeout,
        millis
    ),
    knob!(
        "send_timeout_ms",
        "30000",
        "longest a response may make no progress to a client that stopped reading; then close",
        send_timeout,
        millis
    ),
    knob!(
        "max_request_line",
        "8k",
        "request line; beyond it 414",
        max_request_line,
        size
    ),
    knob!(
        "max_header_field",
        "8k",
        "one header field; beyond it 431",
        max_header_field,
        size
    ),
    knob!(
        "max_head",
        "64k",
        "whole request head; beyond it 431",
        max_head,
        size
    ),
    knob!(
        "max_headers",
        "100",
        "header fields in one request; beyond it 431",
        max_headers,
        count
    ),
    knob!(
        "max_body",
        "16m",
        "request body, refused from its Content-Length before any is read; 413 and close",
        max_body,
        bytes
    ),
    Knob {
        name: "worker_connections",
        default: "1024",
        doc:
            "connections per worker loop (libhv's worker_connections), refused at accept before TLS",
        apply: |o, v| {
            o.worker_connections = count32(v)?;
            Ok(())
        },
    },
    // Client policy (src/http/policy.rs).
    knob!(
        "per_ip_connections",
        "off",
        "open connections from one client address; beyond it closed at accept, before TLS",
        per_ip_connections,
        off_or_count
    ),
    knob!(
        "per_ip_rate",
        "off",
        "requests per second from one client address (token bucket); beyond it per_ip_rate_action",
        per_ip_rate,
        off_or_count
    ),
    knob!(
        "per_ip_burst",
        "off",
        "requests one client address may send at once before per_ip_rate applies (off: as many as per_ip_rate)",
        per_ip_burst,
        off_or_count
    ),
    knob!(
        "per_ip_rate_action",
        "429",
        "answer beyond per_ip_rate: a status, or drop (close without an answer)",
        per_ip_rate_action,
        action
    ),
    knob!(
        "deny_paths",
        "off",
        "comma-separated path globs (`*.php,/.env*,/wp-*`), matched case-insensitively on the percent-decoded path with `.`/`..` resolved; `pattern=action` sets one rule's action",
        deny_paths,
        deny_rules
    ),
    knob!(
        "deny_action",
        "drop",
        "answer to a denied path: a status (403, 404), or drop (close without an answer)",
        deny_action,
        action
    ),
    knob!(
        "allow_hosts",
        "off",
        "comma-separated Host names (globs such as `*.example.com`) a request must name; others get host_action",
        allow_hosts,
        host_list
    ),
    knob!(
        "host_action",
        "drop",
        "answer to a Host outside allow_hosts: a status, or drop (close without an answer)",
        host_action,
        action
    ),
    knob!(
        "proxy_protocol_http",
        "off",
        "on: every connection to the HTTP port starts with a PROXY v1 or v2 header naming the client (else closed)",
        proxy_protocol_http,
        switch
    ),
    knob!(
        "proxy_protocol_https",
        "off",
        "on: every connection to the HTTPS port starts with a PROXY v1 or v2 header, read before TLS (else closed)",
        proxy_protocol_https,
        switch
    ),
    knob!(
        "trusted_proxies",
        "off",
        "comma-separated addresses or CIDRs (`10.0.0.0/8,::1`) whose Forwarded / X-Forwarded-For name the client: the rightmost untrusted address",
        trusted_proxies,
        networks
    ),
    knob!(
        "refuse_unknown_sni",
        "off",
        "answer an SNI name no certificate covers with the unrecognized_name alert, instead of serving the default",
        refuse_unknown_sni,
        switch
    ),
    knob!(
        "sni_certs",
        "none",
        "more certificates by SNI name for the HTTPS listener: host=crt_file,key_file;host2=...",
        sni_certs,
        sni_list
    ),
    knob!(
        "reuse_port",
        "off",
        "listen with SO_REUSEPORT, so several processes share the port",
        reuse_port,
        switch
    ),
    knob!(
        "reload_on_sighup",
        "off",
        "SIGHUP re-reads every certificate and key file (as reloadCertificates does)",
        reload_on_sighup,
        switch
    ),
    knob!(
        "drain_on_sigterm",
        "off",
        "SIGTERM drains the server (as gracefulStop does) instead of ending the process",
        drain_on_sigterm,
        switch
    ),
    knob!(
        "drain_timeout_ms",
        "60000",
        "how long a SIGTERM drain lets in-flight requests finish; then the rest are closed",
        drain_timeout,
        millis
    ),
    knob!(
        "h2_max_concurrent_streams",
        "100",
        "HTTP/2 streams open at once per connection (advertised); beyond it RST_STREAM REFUSED_STREAM",
        h2_max_concurrent_streams,
        count32
    ),
    knob!(
        "h2_max_header_list_size",
        "16k",
        "HTTP/2 header block, CONTINUATION frames included (advertised); beyond it 431 or the connection closed",
        h2_max_header_list_size,
        size32
    ),
    knob!(
        "h2_max_pending_accept_reset_streams",
        "20",
        "HTTP/2 streams a client opened and reset before they were served (rapid reset, CVE-2023-44487); beyond it GOAWAY ENHANCE_YOUR_CALM",
        h2_max_pending_accept_reset_streams,
        count
    ),
    knob!(
        "h2_max_local_error_reset_streams",
        "1024",
        "HTTP/2 streams the server had to reset for a client's protocol errors; beyond it GOAWAY ENHANCE_YOUR_CALM",
        h2_max_local_error_reset_streams,
        count
    ),
    knob!(
        "h2_keepalive_interval_ms",
        "30000",
        "HTTP/2 PING sent after this long without a frame from the client (0: none)",
        h2_keepalive_interval,
        millis
    ),
    knob!(
        "h2_keepalive_timeout_ms",
        "20000",
        "HTTP/2 PING must be answered within this; then close",
        h2_keepalive_timeout,
        millis
    ),
];

impl Knobs for ServerOptions {
    const TABLE: &'static [Knob<Self>] = KNOBS;
}

/// Addresses and networks: `10.0.0.0/8`, or a bare address for itself alone.
fn networks(v: &str) -> Parsed<Vec<ipnet::IpNet>> {
    list(v)
        .into_iter()
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{item:?} is no address or CIDR network"))
        })
        .collect()
}

fn action(v: &str) -> Parsed<Action> {
    let v = v.trim();
    if v.eq_ignore_ascii_case("drop") {
        return Ok(Action::Drop);
    }
    // A refusal answers with an error status: anything else would tell a client it succeeded.
    match v.parse::<u16>() {
        Ok(s) if (400..=599).contains(&s) => Ok(Action::Status(s)),
        _ => Err("expected an error status (400-599) or drop".to_owned()),
    }
}

fn deny_rules(v: &str) -> Parsed<Vec<DenyRule>> {
    list(v)
        .into_iter()
        .map(|item| {
            let (pattern, action) = match item.rsplit_once('=') {
                Some((p, a)) => (p.trim(), Some(action(a)?)),
                None => (item, None),
            };
            super::policy::compile_glob(pattern)?;
            Ok(DenyRule {
                pattern: pattern.to_owned(),
                action,
            })
        })
        .collect()
}

fn host_list(v: &str) -> Parsed<Vec<String>> {
    list(v)
        .into_iter()
        .map(|h| {
            super::policy::compile_host(h)?;
            Ok(h.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_contracts() {
        let o = ServerOptions::defaults();
        assert_eq!(o.head_timeout, Duration::from_secs(10));
        assert_eq!(o.keepalive_timeout, Duration::from_secs(75));
        assert_eq!(o.max_head, 64 << 10);
        assert_eq!(o.max_body, 16 << 20);
        assert_eq!(o.max_headers, 100);
        assert_eq!(o.worker_connections, 1024);
    }

    #[test]
    fn env_wins_and_bad_values_name_the_variable() {
        let mut o = ServerOptions::defaults();
        o.set("max_body", "1m").unwrap();
        o.apply_env(|k| (k == "HV_MAX_BODY").then(|| "2k".to_owned()))
            .unwrap();
        assert_eq!(o.max_body, 2048);
        let err = o
            .apply_env(|k| (k == "HV_HEAD_TIMEOUT_MS").then(|| "ten".to_owned()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("HV_HEAD_TIMEOUT_MS") && err.contains("ten"),
            "{err}"
        );
        assert!(o.set("no_such_knob", "1").is_err());
        assert!(o.set("deny_action", "200").is_err());
        assert!(o.set("deny_paths", "*.php=302").is_err());
        assert!(o.set("trusted_proxies", "10.0.0.0/33").is_err());
        assert!(o.set("proxy_protocol_http", "maybe").is_err());
        o.set("deny_paths", "*.php=404, /.env*").unwrap();
        assert_eq!(o.deny_paths.len(), 2);
        o.set("deny_paths", "off").unwrap();
        assert!(o.deny_paths.is_empty());
        o.set(
            "sni_certs",
            "a.test=/a.crt,/a.key; *.b.test = /b.crt , /b.key;",
        )
        .unwrap();
        assert_eq!(
            o.sni_certs,
            vec![
                ("a.test".into(), "/a.crt".into(), "/a.key".into()),
                ("*.b.test".into(), "/b.crt".into(), "/b.key".into())
            ]
        );
        assert!(o.set("sni_certs", "a.test=/a.crt").is_err());
        o.set("sni_certs", "none").unwrap();
        assert!(o.sni_certs.is_empty());
        assert!(o.set("max_head", "99999999999999999999g").is_err());
        assert!(o
            .set("keepalive_timeout_ms", "18446744073709551615")
            .is_err());
        assert!(o.set("max_head", "2048g").is_err());
    }
}
