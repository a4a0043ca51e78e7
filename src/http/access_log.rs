//! One record per answered (or dropped) request, for an access-log callback the program
//! installs on the server. The record carries the fields, and `line()` the usual text: the
//! combined log format of Apache and nginx, so existing log tools read it, followed by the
//! request's duration in seconds and the TLS version (`-` for plain HTTP).

use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Called on the worker loop that served the request, once its response head is ready.
pub type AccessLogFn = Arc<dyn Fn(&AccessRecord<'_>) + Send + Sync>;

/// The status recorded for a request the policy dropped without an answer (nginx's 444).
pub const STATUS_DROPPED: u16 = 444;

pub struct AccessRecord<'a> {
    /// The client as the handlers see it (after the PROXY header and trusted proxies).
    pub client: SocketAddr,
    pub method: &'a str,
    /// The request target as sent (path and query).
    pub target: &'a str,
    pub version: hyper::Version,
    pub status: u16,
    /// Response body bytes, when known before the body is sent (`None` for streamed bodies).
    pub bytes: Option<u64>,
    pub referer: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    /// From the request's head to its response head.
    pub duration: Duration,
    /// `TLSv1.3`, `TLSv1.2`, or `None` for plain HTTP.
    pub tls_version: Option<&'static str>,
    /// When the request arrived.
    pub time: SystemTime,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `10/Oct/2026:13:55:36 +0000` (UTC).
fn clf_time(out: &mut String, t: SystemTime) {
    let secs = t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as libc::time_t;
    // SAFETY: `tm` is plain data that gmtime_r fully initialises on success; both pointers are
    // valid for the duration of the call.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::gmtime_r(&secs, &mut tm).is_null() {
            out.push('-');
            return;
        }
        tm
    };
    let _ = write!(
        out,
        "{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000",
        tm.tm_mday,
        MONTHS[tm.tm_mon.clamp(0, 11) as usize],
        tm.tm_year + 1900,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    );
}

/// A header value in quotes, with `"` and `\` and control bytes escaped so one record stays
/// one line whatever the client sent.
fn quoted(out: &mut String, v: Option<&str>) {
    let Some(v) = v else {
        out.push_str("\"-\"");
        return;
    };
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl AccessRecord<'_> {
    /// `192.0.2.1 - - [01/Dec/2026:23:57:01 +0000] "GET /ping HTTP/1.1" 200 4 "-" "curl/7.88" 0.000123 TLSv1.3`
    pub fn line(&self) -> String {
        let mut out = String::with_capacity(160);
        let _ = write!(out, "{} - - [", self.client.ip());
        clf_time(&mut out, self.time);
        out.push_str("] ");
        let request = format!("{} {} {:?}", self.method, self.target, self.version);
        quoted(&mut out, Some(&request));
        let _ = write!(out, " {} ", self.status);
        match self.bytes {
            Some(n) => {
                let _ = write!(out, "{n}");
            }
            None => out.push('-'),
        }
        out.push(' ');
        quoted(&mut out, self.referer);
        out.push(' ');
        quoted(&mut out, self.user_agent);
        let _ = write!(
            out,
            " {:.6} {}",
            self.duration.as_secs_f64(),
            self.tls_version.unwrap_or("-")
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_is_combined_format_plus_duration_and_tls() {
        let r = AccessRecord {
            client: "192.0.2.1:5000".parse().unwrap(),
            method: "GET",
            target: "/a?b=1",
            version: hyper::Version::HTTP_11,
            status: 200,
            bytes: Some(4),
            referer: None,
            user_agent: Some("evil\"\r\nagent"),
            duration: Duration::from_micros(1500),
            tls_version: Some("TLSv1.3"),
            time: UNIX_EPOCH + Duration::from_secs(1_796_169_395),
        };
        assert_eq!(
            r.line(),
            "192.0.2.1 - - [01/Dec/2026:23:56:35 +0000] \"GET /a?b=1 HTTP/1.1\" 200 4 \"-\" \"evil\\\"\\x0d\\x0aagent\" 0.001500 TLSv1.3"
        );
    }
}
