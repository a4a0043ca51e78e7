//! An HTTP/2 connection's idle clock, which hyper does not keep: the frame boundaries of
//! both directions are followed (headers only, payloads skipped) so that traffic can be told
//! from keep-alive PINGs.

use tokio::time::Instant;

use super::guard::PREFACE;

const H2_PING: u8 = 6;

/// Follows HTTP/2 frame boundaries in one direction, to tell traffic from keep-alive PINGs.
pub(super) struct Frames {
    header: [u8; 9],
    have: usize,
    /// Bytes to pass before the next frame header (a payload, or the client's preface).
    skip: usize,
}

impl Frames {
    fn new(skip: usize) -> Self {
        Frames {
            header: [0; 9],
            have: 0,
            skip,
        }
    }

    /// `true` when a frame other than PING starts in `bytes`.
    pub(super) fn walk(&mut self, mut bytes: &[u8]) -> bool {
        let mut active = false;
        while !bytes.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(bytes.len());
                self.skip -= n;
                bytes = &bytes[n..];
                continue;
            }
            let n = (9 - self.have).min(bytes.len());
            self.header[self.have..self.have + n].copy_from_slice(&bytes[..n]);
            self.have += n;
            bytes = &bytes[n..];
            if self.have == 9 {
                let h = self.header;
                self.have = 0;
                self.skip = u32::from_be_bytes([0, h[0], h[1], h[2]]) as usize;
                active |= h[3] != H2_PING;
            }
        }
        active
    }
}

/// An HTTP/2 connection's idle clock: frames both ways, PINGs excepted.
pub(super) struct H2Idle {
    pub(super) inbound: Frames,
    pub(super) outbound: Frames,
    pub(super) last: Instant,
}

impl H2Idle {
    pub(super) fn new() -> Self {
        H2Idle {
            inbound: Frames::new(PREFACE.len()),
            outbound: Frames::new(0),
            last: Instant::now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h2_frames_are_told_from_pings_across_any_split() {
        let ping = [&[0, 0, 8, H2_PING, 0, 0, 0, 0, 0][..], &[7; 8]].concat();
        let data = [&[0, 0, 3, 0, 1, 0, 0, 0, 1][..], b"abc"].concat();
        for step in [1, 5, 17] {
            let mut f = Frames::new(PREFACE.len());
            let pings = [PREFACE, &ping, &ping].concat();
            assert!(!pings.chunks(step).any(|c| f.walk(c)), "step {step}");
            assert!(data.chunks(step).any(|c| f.walk(c)), "step {step}");
        }
    }
}
