//! What a request head must be (RFC 9112), judged on its bytes in one pass as they arrive:
//! the line and size limits, the request line and each field line as it ends, then the
//! fields that decide the framing. Each refusal is the status to answer.

use std::ops::Range;

use super::options::ServerOptions;

/// How far a head has been scanned (offsets from its first byte).
#[derive(Default)]
pub(super) struct HeadScan {
    scanned: usize,
    line_start: usize,
    lines: usize,
    fields: Fields,
}

/// What the lines judged so far say about the framing.
#[derive(Default)]
struct Fields {
    connect: bool,
    http10: bool,
    length: Option<u64>,
    lengths: u32,
    /// The last Transfer-Encoding value (offsets in the head).
    te: Option<Range<usize>>,
    tes: u32,
    hosts: u32,
}

/// The request head's facts that decide its framing.
pub(super) struct Head {
    pub(super) connect: bool,
    pub(super) body: Body,
}

pub(super) enum Body {
    None,
    Length(u64),
    Chunked,
}

/// Scans `head` on from where `s` stopped: CRLF line ends only, no control byte but HTAB, the
/// line, field, count and size limits checked as bytes come (a 100 KiB request line is refused
/// at its 8 KiB + 1st byte), each line judged as it ends. `Some((end, head))` once the empty
/// line that ends the head is in.
pub(super) fn scan_head(
    head: &[u8],
    s: &mut HeadScan,
    o: &ServerOptions,
) -> Result<Option<(usize, Head)>, u16> {
    let mut i = s.scanned;
    if i == head.len() {
        // Nothing new (the guard asks again after each head and each read): what was there
        // was judged already.
        return Ok(None);
    }
    while i < head.len() {
        // Most bytes are plain: skip them by the word (a CR just before must be looked at).
        if i == 0 || head[i - 1] != b'\r' {
            i += plain_run(&head[i..]);
            if i == head.len() {
                break;
            }
        }
        let b = head[i];
        if i > 0 && head[i - 1] == b'\r' && b != b'\n' {
            return Err(400);
        }
        match b {
            b'\n' => {
                if i == 0 || head[i - 1] != b'\r' {
                    return Err(400);
                }
                let line = i - 1 - s.line_start;
                if s.lines == 0 && line == 0 {
                    // An empty line before the request line may be ignored (RFC 9112 §2.2).
                    s.line_start = i + 1;
                    i += 1;
                    continue;
                }
                if line == 0 {
                    if i + 1 > o.max_head {
                        return Err(431);
                    }
                    return Ok(Some((i + 1, s.fields.framing(head, o.max_body)?)));
                }
                if s.lines == 0 && line > o.max_request_line {
                    return Err(414);
                }
                if s.lines == 0 {
                    // Judged at once: an HTTP/0.9 line is followed by no empty line.
                    let (method, http10) = request_line(&head[s.line_start..i - 1])?;
                    s.fields.connect = method == b"CONNECT";
                    s.fields.http10 = http10;
                }
                if s.lines > 0 && (line > o.max_header_field || s.lines > o.max_headers) {
                    return Err(431);
                }
                if s.lines > 0 {
                    s.fields.field_line(head, s.line_start..i - 1)?;
                }
                s.lines += 1;
                s.line_start = i + 1;
            }
            b'\r' | b'\t' => {}
            0..=0x1f | 0x7f => return Err(400),
            _ => {}
        }
        i += 1;
    }
    s.scanned = head.len();
    let partial = head.len() - s.line_start;
    if s.lines == 0 && partial > o.max_request_line {
        return Err(414);
    }
    if (s.lines > 0 && partial > o.max_header_field) || head.len() > o.max_head {
        return Err(431);
    }
    Ok(None)
}

/// How many leading bytes are neither a control byte (HTAB, CR and LF included) nor DEL:
/// eight at a time, as a head is scanned once per byte otherwise.
fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut n = 0;
    for word in bytes.chunks_exact(8) {
        let x = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        // Exact tests for "some byte is below 0x20" and "some byte is 0x7f".
        let control = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        let del = (x ^ (ONES * 0x7f)).wrapping_sub(ONES) & !(x ^ (ONES * 0x7f)) & HIGH;
        if control | del != 0 {
            break;
        }
        n += 8;
    }
    n + bytes[n..]
        .iter()
        .position(|&b| b < 0x20 || b == 0x7f)
        .unwrap_or(bytes.len() - n)
}

/// `tchar` of RFC 9110 §5.6.2, by byte value.
const TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    t
};

/// What methods and field names are made of.
fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| TCHAR[b as usize])
}

fn trim_start_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    v
}

fn trim_ows(v: &[u8]) -> &[u8] {
    let mut v = trim_start_ows(v);
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// `method SP target SP HTTP/1.x`, single spaces: the method and whether it is HTTP/1.0.
fn request_line(line: &[u8]) -> Result<(&[u8], bool), u16> {
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(400);
    };
    if !is_token(method) || target.is_empty() || target.iter().any(|&b| b <= b' ') {
        return Err(400);
    }
    match version {
        b"HTTP/1.1" => Ok((method, false)),
        b"HTTP/1.0" => Ok((method, true)),
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            Err(505)
        }
        _ => Err(400),
    }
}

impl Fields {
    /// One field line (`line` in `head`, without its CRLF) by RFC 9112: its syntax, and what
    /// it says of the framing.
    fn field_line(&mut self, head: &[u8], line: Range<usize>) -> Result<(), u16> {
        let text = &head[line.clone()];
        let colon = text.iter().position(|&b| b == b':').ok_or(400u16)?;
        let name = &text[..colon];
        if !is_token(name) {
            return Err(400);
        }
        let value = trim_ows(&text[colon + 1..]);
        if name.eq_ignore_ascii_case(b"content-length") {
            self.lengths += 1;
            if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
                return Err(400);
            }
            let digits = std::str::from_utf8(value).map_err(|_| 400u16)?;
            self.length = Some(digits.parse::<u64>().map_err(|_| 400u16)?);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            self.tes += 1;
            let rest = &text[colon + 1..];
            let start = line.start + colon + 1 + (rest.len() - trim_start_ows(rest).len());
            self.te = Some(start..start + value.len());
        } else if name.eq_ignore_ascii_case(b"host") {
            self.hosts += 1;
            if value.iter().any(|&b| b == b' ' || b == b'\t') {
                return Err(400);
            }
        }
        Ok(())
    }

    /// The framing of the complete head (`head`) whose lines were all judged.
    fn framing(&self, head: &[u8], max_body: u64) -> Result<Head, u16> {
        let (tes, lengths) = (self.tes, self.lengths);
        if lengths > 1 || tes > 1 || (tes > 0 && (lengths > 0 || self.http10)) {
            return Err(400);
        }
        if self.hosts > 1 || (self.hosts == 0 && !self.http10) {
            return Err(400);
        }
        let body = match (&self.te, self.length) {
            (Some(te), _) => {
                transfer_coding(&head[te.clone()])?;
                Body::Chunked
            }
            (None, Some(n)) if n > max_body => return Err(413),
            (None, Some(n)) => Body::Length(n),
            (None, None) => Body::None,
        };
        if self.connect && !matches!(body, Body::None | Body::Length(0)) {
            return Err(400);
        }
        Ok(Head {
            connect: self.connect,
            body,
        })
    }
}

/// Only `chunked` alone is a framing hv-rs reads: other known codings, or `chunked` anywhere
/// but last, are 400 (RFC 9112 §6.3); a coding it does not know is 501 (RFC 9112 §6.1).
fn transfer_coding(te: &[u8]) -> Result<(), u16> {
    const KNOWN: [&[u8]; 7] = [
        b"chunked",
        b"gzip",
        b"x-gzip",
        b"deflate",
        b"compress",
        b"x-compress",
        b"identity",
    ];
    let codings: Vec<&[u8]> = te.split(|&b| b == b',').map(trim_ows).collect();
    if codings.len() == 1 && codings[0].eq_ignore_ascii_case(b"chunked") {
        return Ok(());
    }
    if codings.iter().any(|c| c.is_empty()) {
        return Err(400);
    }
    if codings
        .iter()
        .any(|c| !KNOWN.iter().any(|k| c.eq_ignore_ascii_case(k)))
    {
        return Err(501);
    }
    let last_chunked = codings
        .last()
        .is_some_and(|c| c.eq_ignore_ascii_case(b"chunked"));
    let chunked = codings
        .iter()
        .filter(|c| c.eq_ignore_ascii_case(b"chunked"))
        .count();
    if last_chunked && chunked == 1 {
        Err(501)
    } else {
        Err(400)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knobs::Knobs;

    #[test]
    fn plain_run_stops_at_the_first_control_byte_or_del() {
        let mut bytes = [b'a'; 40];
        assert_eq!(plain_run(&bytes), 40);
        for stop in [0x00, b'\t', b'\r', b'\n', 0x1f, 0x7f] {
            for at in 0..40 {
                bytes = [b'a'; 40];
                bytes[at] = stop;
                assert_eq!(plain_run(&bytes), at, "{stop:#x} at {at}");
            }
        }
        assert_eq!(
            plain_run(&[0x80, 0xff, 0x20, 0x7e, 0xa0, 0xc3, 0xa9, 0x21, 0x7f]),
            8
        );
    }

    /// A head's end, whether it is a CONNECT, and its body; or the refusal.
    type Judged = Result<(usize, bool, String), u16>;

    fn judged(head: &[u8], step: usize) -> Judged {
        let o = ServerOptions::defaults();
        let mut s = HeadScan::default();
        let mut upto = 0;
        loop {
            upto = (upto + step).min(head.len());
            if let Some((end, h)) = scan_head(&head[..upto], &mut s, &o)? {
                let body = match h.body {
                    Body::None => "none".to_owned(),
                    Body::Length(n) => format!("length {n}"),
                    Body::Chunked => "chunked".to_owned(),
                };
                return Ok((end, h.connect, body));
            }
            assert!(upto < head.len(), "no end found in {head:?}");
        }
    }

    #[test]
    fn a_head_is_judged_alike_whole_and_byte_by_byte() {
        let heads: [(&[u8], Judged); 9] = [
            (
                b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
                Ok((27, false, "none".into())),
            ),
            (
                b"\r\nPOST /u HTTP/1.1\r\nHost: a\r\nContent-Length:  12 \r\n\r\nbody",
                Ok((53, false, "length 12".into())),
            ),
            (
                b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\t chunked \r\n\r\n",
                Ok((58, false, "chunked".into())),
            ),
            (
                b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
                Ok((39, true, "none".into())),
            ),
            (b"GET / HTTP/1.0\r\n\r\n", Ok((18, false, "none".into()))),
            (
                b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nbad line\r\n\r\n",
                Err(400),
            ),
            (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", Err(400)),
            (
                b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                Err(501),
            ),
            (
                b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n",
                Err(413),
            ),
        ];
        for (head, want) in heads {
            for step in [head.len(), 1, 3] {
                assert_eq!(
                    judged(head, step),
                    want,
                    "{:?} by {step}",
                    String::from_utf8_lossy(head)
                );
            }
        }
    }

    #[test]
    fn transfer_codings() {
        assert_eq!(transfer_coding(b"chunked"), Ok(()));
        assert_eq!(transfer_coding(b"gzip, chunked"), Err(501));
        assert_eq!(transfer_coding(b"chunked, chunked"), Err(400));
        assert_eq!(transfer_coding(b"chunked,"), Err(400));
        assert_eq!(transfer_coding(b"br, chunked"), Err(501));
        assert_eq!(transfer_coding(b"identity"), Err(400));
    }
}
