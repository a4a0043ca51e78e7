//! Splitting a TCP byte stream into messages: libhv's `unpack_setting_t` modes.
//!
//! Every mode delivers whole messages, header or delimiter included, and bounds how much one
//! connection may buffer: a message that cannot fit in `package_max_length` closes the connection.

use crate::error::{Error, Result};

/// libhv's `DEFAULT_PACKAGE_MAX_LENGTH` (2 MiB).
pub const DEFAULT_PACKAGE_MAX_LENGTH: usize = 1 << 21;
/// libhv's `PACKAGE_MAX_DELIMITER_BYTES`.
pub const MAX_DELIMITER_BYTES: usize = 8;
/// A varint longer than this is malformed (libhv's decoder stops at 10 bytes too).
const MAX_VARINT_BYTES: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthCoding {
    BigEndian,
    LittleEndian,
    Varint,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnpackSetting {
    FixedLength {
        fixed_length: usize,
        max: usize,
    },
    Delimiter {
        delimiter: Vec<u8>,
        max: usize,
    },
    LengthField {
        body_offset: usize,
        length_field_offset: usize,
        length_field_bytes: usize,
        length_adjustment: i64,
        coding: LengthCoding,
        max: usize,
    },
}

impl UnpackSetting {
    pub fn max(&self) -> usize {
        match self {
            Self::FixedLength { max, .. }
            | Self::Delimiter { max, .. }
            | Self::LengthField { max, .. } => *max,
        }
    }

    /// Rejects settings that could never frame a stream (libhv asserts on these).
    pub fn validate(&self) -> Result<()> {
        let bad = |why: &str| Err(Error::InvalidArgument(format!("unpack setting: {why}")));
        match self {
            Self::FixedLength { fixed_length, max } if *fixed_length == 0 || fixed_length > max => {
                bad("fixed_length must be in 1..=package_max_length")
            }
            Self::Delimiter { delimiter, .. }
                if delimiter.is_empty() || delimiter.len() > MAX_DELIMITER_BYTES =>
            {
                bad("delimiter must have 1 to 8 bytes")
            }
            Self::LengthField {
                body_offset,
                length_field_offset,
                length_field_bytes,
                coding,
                ..
            } => {
                if *length_field_bytes == 0
                    || (*coding != LengthCoding::Varint && *length_field_bytes > 4)
                {
                    return bad("length_field_bytes must be 1..=4 (or >= 1 for varint)");
                }
                if *body_offset < length_field_offset + length_field_bytes {
                    return bad("body_offset must be >= length_field_offset + length_field_bytes");
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// The message would exceed `package_max_length`.
    OverLimit,
    /// The header declares an impossible length.
    Invalid,
}

/// Finds message boundaries in a connection's read buffer.
#[derive(Debug)]
pub struct Unpacker {
    setting: UnpackSetting,
    /// Bytes already searched for a delimiter, so a long message is scanned once.
    scanned: usize,
}

impl Unpacker {
    pub fn new(setting: UnpackSetting) -> Self {
        Unpacker {
            setting,
            scanned: 0,
        }
    }

    pub fn max(&self) -> usize {
        self.setting.max()
    }

    /// The length of the complete message at the start of `buf`, if one is there yet.
    pub fn next_frame(&mut self, buf: &[u8]) -> std::result::Result<Option<usize>, FrameError> {
        match &self.setting {
            UnpackSetting::FixedLength { fixed_length, .. } => {
                Ok((buf.len() >= *fixed_length).then_some(*fixed_length))
            }
            UnpackSetting::Delimiter { delimiter, max } => {
                let window = &buf[..buf.len().min(*max)];
                let from = self.scanned.saturating_sub(delimiter.len() - 1);
                if let Some(pos) = find(&window[from.min(window.len())..], delimiter) {
                    self.scanned = 0;
                    return Ok(Some(from + pos + delimiter.len()));
                }
                if buf.len() >= *max {
                    return Err(FrameError::OverLimit);
                }
                self.scanned = buf.len();
                Ok(None)
            }
            UnpackSetting::LengthField {
                body_offset,
                length_field_offset,
                length_field_bytes,
                length_adjustment,
                coding,
                max,
            } => {
                if buf.len() < *body_offset {
                    return Ok(None);
                }
                let field = &buf[*length_field_offset..];
                let (body_len, head_len) = match coding {
                    LengthCoding::BigEndian => (
                        field[..*length_field_bytes]
                            .iter()
                            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
                        *body_offset,
                    ),
                    LengthCoding::LittleEndian => (
                        field[..*length_field_bytes]
                            .iter()
                            .rev()
                            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
                        *body_offset,
                    ),
                    LengthCoding::Varint => match decode_varint(field)? {
                        None => return Ok(None),
                        Some((value, used)) => (value, body_offset + used - length_field_bytes),
                    },
                };
                let package =
                    head_len as i128 + i128::from(body_len) + i128::from(*length_adjustment);
                if package < head_len as i128 || package == 0 {
                    return Err(FrameError::Invalid);
                }
                if package > *max as i128 {
                    return Err(FrameError::OverLimit);
                }
                let package = package as usize;
                Ok((buf.len() >= package).then_some(package))
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() == 1 {
        return haystack.iter().position(|b| *b == needle[0]);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Little-endian base-128 varint: `Ok(None)` while incomplete.
fn decode_varint(buf: &[u8]) -> std::result::Result<Option<(u64, usize)>, FrameError> {
    let mut value = 0u64;
    for (i, b) in buf.iter().enumerate().take(MAX_VARINT_BYTES) {
        value |= u64::from(b & 0x7f).checked_shl(7 * i as u32).unwrap_or(0);
        if b & 0x80 == 0 {
            return Ok(Some((value, i + 1)));
        }
    }
    if buf.len() >= MAX_VARINT_BYTES {
        Err(FrameError::OverLimit)
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `chunks` as successive reads and collects the delivered messages.
    fn feed(setting: UnpackSetting, chunks: &[&[u8]]) -> (Vec<Vec<u8>>, Option<FrameError>) {
        let mut u = Unpacker::new(setting);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            loop {
                match u.next_frame(&buf) {
                    Ok(Some(n)) => out.push(buf.drain(..n).collect()),
                    Ok(None) => break,
                    Err(e) => return (out, Some(e)),
                }
            }
        }
        (out, None)
    }

    fn every_split(
        stream: &[u8],
        setting: &UnpackSetting,
    ) -> Vec<(Vec<Vec<u8>>, Option<FrameError>)> {
        (0..=stream.len())
            .flat_map(|a| (a..=stream.len()).map(move |b| (a, b)))
            .map(|(a, b)| {
                feed(
                    setting.clone(),
                    &[&stream[..a], &stream[a..b], &stream[b..]],
                )
            })
            .collect()
    }

    #[test]
    fn fixed_length_keeps_the_remainder() {
        let s = UnpackSetting::FixedLength {
            fixed_length: 4,
            max: 1024,
        };
        let (msgs, err) = feed(s.clone(), &[b"abcdefghij", b"kl"]);
        assert_eq!(
            msgs,
            vec![b"abcd".to_vec(), b"efgh".to_vec(), b"ijkl".to_vec()]
        );
        assert_eq!(err, None);
        for r in every_split(b"abcdefghijkl", &s) {
            assert_eq!(r.0.len(), 3);
        }
    }

    #[test]
    fn delimiter_is_included_and_may_span_reads() {
        let s = UnpackSetting::Delimiter {
            delimiter: b"\r\n".to_vec(),
            max: 1024,
        };
        let (msgs, _) = feed(s.clone(), &[b"a\r\nbb\r\nc", b"c\r", b"\nd"]);
        assert_eq!(
            msgs,
            vec![b"a\r\n".to_vec(), b"bb\r\n".to_vec(), b"cc\r\n".to_vec()]
        );
        for (msgs, err) in every_split(b"a\r\nbb\r\ncc\r\nd", &s) {
            assert_eq!(
                msgs,
                vec![b"a\r\n".to_vec(), b"bb\r\n".to_vec(), b"cc\r\n".to_vec()]
            );
            assert_eq!(err, None);
        }
    }

    #[test]
    fn delimiter_max_counts_the_delimiter() {
        let s = UnpackSetting::Delimiter {
            delimiter: b"\n".to_vec(),
            max: 16,
        };
        let ok = [b"x".repeat(15), b"\n".to_vec()].concat();
        assert_eq!(feed(s.clone(), &[&ok]), (vec![ok.clone()], None));
        let too_long = [b"x".repeat(16), b"\n".to_vec()].concat();
        assert_eq!(
            feed(s.clone(), &[&too_long]),
            (vec![], Some(FrameError::OverLimit))
        );
        let then_junk = [ok.clone(), b"y".repeat(17)].concat();
        assert_eq!(
            feed(s, &[&then_junk]),
            (vec![ok], Some(FrameError::OverLimit))
        );
    }

    fn length_field(
        offset: usize,
        bytes: usize,
        body: usize,
        adj: i64,
        coding: LengthCoding,
        max: usize,
    ) -> UnpackSetting {
        UnpackSetting::LengthField {
            body_offset: body,
            length_field_offset: offset,
            length_field_bytes: bytes,
            length_adjustment: adj,
            coding,
            max,
        }
    }

    #[test]
    fn length_field_big_endian_includes_the_header() {
        let s = length_field(
            1,
            4,
            5,
            0,
            LengthCoding::BigEndian,
            DEFAULT_PACKAGE_MAX_LENGTH,
        );
        let stream = b"\x01\x00\x00\x00\x03abc\x02\x00\x00\x00\x02de";
        for (msgs, err) in every_split(stream, &s) {
            assert_eq!(msgs, vec![stream[..8].to_vec(), stream[8..].to_vec()]);
            assert_eq!(err, None);
        }
    }

    #[test]
    fn length_field_little_endian_with_adjustment_and_varint() {
        let le = length_field(0, 2, 2, -2, LengthCoding::LittleEndian, 1024);
        let (msgs, _) = feed(le, &[b"\x05\x00xyz\x04\x00qr"]);
        assert_eq!(msgs, vec![b"\x05\x00xyz".to_vec(), b"\x04\x00qr".to_vec()]);

        let varint = length_field(1, 1, 2, 0, LengthCoding::Varint, 1024);
        let long = [b"\x30\x81\x01".to_vec(), vec![7u8; 129]].concat();
        let stream = [b"\x30\x03abc".to_vec(), long.clone()].concat();
        for (msgs, err) in every_split(&stream, &varint) {
            assert_eq!(msgs.iter().map(Vec::len).collect::<Vec<_>>(), vec![5, 132]);
            assert_eq!(err, None);
        }
    }

    #[test]
    fn length_field_over_max_or_malformed_is_an_error() {
        let s = length_field(1, 4, 5, 0, LengthCoding::BigEndian, 100);
        assert_eq!(
            feed(s, &[b"\x01\x00\x00\x00\x64"]),
            (vec![], Some(FrameError::OverLimit))
        );
        let v = length_field(0, 1, 1, 0, LengthCoding::Varint, 1 << 20);
        assert_eq!(
            feed(v, &[&[0xff; 12]]),
            (vec![], Some(FrameError::OverLimit))
        );
        let neg = length_field(0, 1, 1, -5, LengthCoding::BigEndian, 100);
        assert_eq!(feed(neg, &[b"\x01"]), (vec![], Some(FrameError::Invalid)));
    }

    #[test]
    fn invalid_settings_are_rejected() {
        assert!(UnpackSetting::FixedLength {
            fixed_length: 0,
            max: 10
        }
        .validate()
        .is_err());
        assert!(UnpackSetting::Delimiter {
            delimiter: vec![],
            max: 10
        }
        .validate()
        .is_err());
        assert!(length_field(3, 4, 5, 0, LengthCoding::BigEndian, 10)
            .validate()
            .is_err());
        assert!(length_field(1, 4, 5, 0, LengthCoding::BigEndian, 10)
            .validate()
            .is_ok());
    }
}
