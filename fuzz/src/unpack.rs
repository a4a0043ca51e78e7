//! The TCP framing (`tcp::unpack`): every mode, settings from the input's first bytes, the
//! rest fed in reads of arbitrary sizes as a connection does.

use hv::tcp::unpack::{
    FrameError, LengthCoding, UnpackSetting, Unpacker, DEFAULT_PACKAGE_MAX_LENGTH,
};

use crate::Chunks;

/// The header: mode, max (2 bytes), chunk seed, chunk limit, then 11 bytes of mode settings.
const HEADER: usize = 16;
/// A varint length field may run this far past its nominal bytes.
const MAX_VARINT_BYTES: usize = 10;

fn setting(h: &[u8; HEADER]) -> UnpackSetting {
    let max = match usize::from(u16::from_le_bytes([h[1], h[2]])) {
        0 => DEFAULT_PACKAGE_MAX_LENGTH,
        n => n,
    };
    let p = &h[5..];
    match h[0] % 3 {
        0 => UnpackSetting::FixedLength {
            fixed_length: usize::from(u16::from_le_bytes([p[0], p[1]])),
            max,
        },
        1 => {
            let n = usize::from(p[0] % 9);
            UnpackSetting::Delimiter {
                delimiter: p[1..1 + n].to_vec(),
                max,
            }
        }
        _ => {
            let length_field_offset = usize::from(p[0] % 32);
            let length_field_bytes = usize::from(p[1] % 12);
            // Mostly a header just long enough, sometimes any length (validate decides).
            let body_offset = if p[2] & 0x80 == 0 {
                length_field_offset + length_field_bytes + usize::from(p[2] % 8)
            } else {
                usize::from(p[3])
            };
            UnpackSetting::LengthField {
                body_offset,
                length_field_offset,
                length_field_bytes,
                length_adjustment: i64::from(i16::from_le_bytes([p[4], p[5]])),
                coding: match p[6] % 3 {
                    0 => LengthCoding::BigEndian,
                    1 => LengthCoding::LittleEndian,
                    _ => LengthCoding::Varint,
                },
                max,
            }
        }
    }
}

/// What a connection reading `stream` in reads of `chunks` bytes delivers: the message
/// lengths, and the error that closed it, if any.
fn feed(
    setting: &UnpackSetting,
    stream: &[u8],
    chunks: impl Iterator<Item = usize>,
) -> (Vec<usize>, Option<FrameError>) {
    let mut unpacker = Unpacker::new(setting.clone());
    let max = setting.max();
    let (mut buf, mut frames, mut read, mut consumed) = (Vec::new(), Vec::new(), 0, 0);
    for chunk in chunks {
        if read == stream.len() {
            break;
        }
        let end = (read + chunk).min(stream.len());
        buf.extend_from_slice(&stream[read..end]);
        read = end;
        let mut start = 0;
        loop {
            match unpacker.next_frame(&buf[start..]) {
                Ok(Some(n)) => {
                    assert!(n > 0, "an empty message");
                    assert!(start + n <= buf.len(), "a message longer than the buffer");
                    assert!(n <= max, "a {n}-byte message over the {max}-byte limit");
                    check_frame(setting, &buf[start..start + n]);
                    frames.push(n);
                    start += n;
                }
                Ok(None) => break,
                Err(e) => return (frames, Some(e)),
            }
        }
        consumed += start;
        buf.drain(..start);
        let bound = match setting {
            UnpackSetting::FixedLength { fixed_length, .. } => *fixed_length,
            UnpackSetting::Delimiter { max, .. } => *max,
            UnpackSetting::LengthField { body_offset, .. } => {
                max.max(body_offset + MAX_VARINT_BYTES)
            }
        };
        assert!(
            buf.len() < bound,
            "{} bytes wait for a message (bound {bound})",
            buf.len()
        );
        assert!(consumed + buf.len() == read && read <= stream.len());
    }
    (frames, None)
}

fn check_frame(setting: &UnpackSetting, frame: &[u8]) {
    match setting {
        UnpackSetting::FixedLength { fixed_length, .. } => assert_eq!(frame.len(), *fixed_length),
        UnpackSetting::Delimiter { delimiter, .. } => {
            let first = frame
                .windows(delimiter.len())
                .position(|w| w == delimiter.as_slice());
            assert_eq!(
                first.map(|p| p + delimiter.len()),
                Some(frame.len()),
                "a message must end at its first delimiter"
            );
        }
        UnpackSetting::LengthField {
            body_offset,
            length_field_offset,
            length_field_bytes,
            length_adjustment,
            coding,
            ..
        } => {
            let field = &frame[*length_field_offset..];
            let (value, head) = match coding {
                LengthCoding::BigEndian | LengthCoding::LittleEndian => {
                    let mut bytes = field[..*length_field_bytes].to_vec();
                    if *coding == LengthCoding::LittleEndian {
                        bytes.reverse();
                    }
                    let value = bytes.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b));
                    (value, *body_offset)
                }
                LengthCoding::Varint => {
                    let used = field
                        .iter()
                        .position(|b| b & 0x80 == 0)
                        .expect("a message's varint ends")
                        + 1;
                    let value = field[..used]
                        .iter()
                        .enumerate()
                        .fold(0u64, |v, (i, b)| v | u64::from(b & 0x7f) << (7 * i));
                    (value, body_offset + used - length_field_bytes)
                }
            };
            assert_eq!(
                frame.len() as i128,
                head as i128 + i128::from(value) + i128::from(*length_adjustment),
                "a message's length is not the one its header declares"
            );
        }
    }
}

pub fn unpack(data: &[u8]) {
    let Some((header, stream)) = data.split_first_chunk::<HEADER>() else {
        return;
    };
    let setting = setting(header);
    if setting.validate().is_err() {
        return;
    }
    let random = feed(
        &setting,
        stream,
        Chunks::new(header[3], usize::from(header[4])),
    );
    let whole = feed(&setting, stream, std::iter::once(stream.len().max(1)));
    assert_eq!(
        random, whole,
        "the messages depend on how the stream was split"
    );
    if stream.len() <= 4096 {
        let bytewise = feed(&setting, stream, std::iter::repeat(1));
        assert_eq!(bytewise, whole, "byte-by-byte reads frame differently");
    }
}
