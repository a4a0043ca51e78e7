//! What a request head must be (RFC 9112), judged on its bytes: the line and size limits as
//! the bytes arrive, then the request line and the fields that decide the framing. Each
//! refusal is the status to answer.

use super::options::ServerOptions;

/// How far a head has been scanned (offsets from its first byte).
#[derive(Default)]
pub(super) struct HeadScan {
    scanned: usize,
    line_start: usize,
    lines: usize,
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
/// at its 8 KiB + 1st byte). `Some(end)` once the empty line that ends the head is in.
pub(super) fn scan_head(
    head: &[u8],
    s: &mut HeadScan,
    o: &ServerOptions,
) -> Result<Option<usize>, u16> {
    let mut i = s.scanned;
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
                    return if i + 1 > o.max_head {
                        Err(431)
                    } else {
                        Ok(Some(i + 1))
                    };
                }
                if s.lines == 0 && line > o.max_request_line {
                    return Err(414);
                }
                if s.lines == 0 {
                    // Judged at once: an HTTP/0.9 line is followed by no empty line.
                    request_line(&head[s.line_start..i - 1])?;
                }
                if s.lines > 0 && (line > o.max_header_field || s.lines > o.max_headers) {
                    return Err(431);
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

fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
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

/// Judges a complete head (CRLF line ends, no control bytes but HTAB, already checked) by
/// RFC 9112: its request line, its field syntax and the fields that decide its framing.
pub(super) fn judge_head(head: &[u8], max_body: u64) -> Result<Head, u16> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .skip_while(|l| l.is_empty());
    let (method, http10) = request_line(lines.next().ok_or(400u16)?)?;
    let (mut length, mut lengths, mut te, mut tes, mut hosts) = (None, 0, None, 0, 0);
    for line in lines.take_while(|l| !l.is_empty()) {
        let colon = line.iter().position(|&b| b == b':').ok_or(400u16)?;
        let (name, value) = (&line[..colon], trim_ows(&line[colon + 1..]));
        if !is_token(name) {
            return Err(400);
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            lengths += 1;
            if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
                return Err(400);
            }
            let text = std::str::from_utf8(value).map_err(|_| 400u16)?;
            length = Some(text.parse::<u64>().map_err(|_| 400u16)?);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            tes += 1;
            te = Some(value);
        } else if name.eq_ignore_ascii_case(b"host") {
            hosts += 1;
            if value.iter().any(|&b| b == b' ' || b == b'\t') {
                return Err(400);
            }
        }
    }
    if lengths > 1 || tes > 1 || (tes > 0 && (lengths > 0 || http10)) {
        return Err(400);
    }
    if hosts > 1 || (hosts == 0 && !http10) {
        return Err(400);
    }
    let body = match (te, length) {
        (Some(te), _) => {
            transfer_coding(te)?;
            Body::Chunked
        }
        (None, Some(n)) if n > max_body => return Err(413),
        (None, Some(n)) => Body::Length(n),
        (None, None) => Body::None,
    };
    let connect = method == b"CONNECT";
    if connect && !matches!(body, Body::None | Body::Length(0)) {
        return Err(400);
    }
    Ok(Head { connect, body })
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
