//! The HTTP server's hardening knobs in one table, so the C ABI (`hv_http_server_set_option`),
//! C++ (`hv::HttpServer::setOption`) and the `HV_` environment variables read when a server
//! starts all parse the same names the same way, and the README's table can be checked
//! against the code. Defaults are written as the strings a user would write, and parsed like
//! them, so a documented default is the default.

use std::time::Duration;

use crate::error::{Error, Result};

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
    pub h2_max_concurrent_streams: u32,
    pub h2_max_header_list_size: u32,
    pub h2_max_pending_accept_reset_streams: usize,
    pub h2_max_local_error_reset_streams: usize,
    pub h2_keepalive_interval: Duration,
    pub h2_keepalive_timeout: Duration,
}

/// One knob: its name (the env variable is `HV_` + the name in upper case), its default and
/// what it bounds, as the README lists them.
pub struct Knob {
    pub name: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
    apply: fn(&mut ServerOptions, &str) -> std::result::Result<(), String>,
}

impl Knob {
    /// `HV_HEAD_TIMEOUT_MS` for `head_timeout_ms`.
    pub fn env_name(&self) -> String {
        format!("HV_{}", self.name.to_ascii_uppercase())
    }
}

fn millis(v: &str) -> std::result::Result<Duration, String> {
    let n: u64 = v
        .trim()
        .parse()
        .map_err(|_| "expected milliseconds (an integer)".to_owned())?;
    Ok(Duration::from_millis(n))
}

/// A byte count: an integer with an optional `k`, `m` or `g` suffix (powers of 1024).
fn bytes(v: &str) -> std::result::Result<u64, String> {
    let v = v.trim();
    let (digits, shift) = match v.as_bytes().last().map(u8::to_ascii_lowercase) {
        Some(b'k') => (&v[..v.len() - 1], 10),
        Some(b'm') => (&v[..v.len() - 1], 20),
        Some(b'g') => (&v[..v.len() - 1], 30),
        _ => (v, 0),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| "expected a byte count such as 65536, 64k or 16m".to_owned())?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| "byte count too large".to_owned())
}

fn count(v: &str) -> std::result::Result<usize, String> {
    v.trim()
        .parse()
        .map_err(|_| "expected a non-negative integer".to_owned())
}

fn count32(v: &str) -> std::result::Result<u32, String> {
    u32::try_from(count(v)?).map_err(|_| "too large for 32 bits".to_owned())
}

fn size32(v: &str) -> std::result::Result<u32, String> {
    u32::try_from(bytes(v)?).map_err(|_| "too large for 32 bits".to_owned())
}

fn size(v: &str) -> std::result::Result<usize, String> {
    usize::try_from(bytes(v)?).map_err(|_| "byte count too large".to_owned())
}

macro_rules! knob {
    ($name:literal, $default:literal, $doc:literal, $field:ident, $parse:expr) => {
        Knob {
            name: $name,
            default: $default,
            doc: $doc,
            apply: |o, v| {
                o.$field = $parse(v)?;
                Ok(())
            },
        }
    };
}

/// Every knob, in the order the README lists them.
pub const KNOBS: &[Knob] = &[
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

impl ServerOptions {
    /// Sets the knob `name` from its text form (as in the README and the environment).
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let knob = KNOBS
            .iter()
            .find(|k| k.name == name)
            .ok_or_else(|| Error::InvalidArgument(format!("unknown server option {name:?}")))?;
        (knob.apply)(self, value).map_err(|reason| Error::Config {
            name: name.to_owned(),
            value: value.to_owned(),
            reason,
        })
    }

    /// Applies every `HV_<KNOB>` that `lookup` finds (the process environment at start), so an
    /// operator's setting wins over the program's. An unparseable value is an error naming
    /// the variable, never silently ignored; `HV_` names that are no knob are left alone.
    pub fn apply_env(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<()> {
        for knob in KNOBS {
            let var = knob.env_name();
            if let Some(value) = lookup(&var) {
                (knob.apply)(self, &value).map_err(|reason| Error::Config {
                    name: var,
                    value,
                    reason,
                })?;
            }
        }
        Ok(())
    }

    /// The documented defaults.
    pub fn defaults() -> Self {
        let mut o = ServerOptions::default();
        for knob in KNOBS {
            (knob.apply)(&mut o, knob.default).expect("every default parses");
        }
        o
    }
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
        assert!(o.set("max_head", "99999999999999999999g").is_err());
    }
}
