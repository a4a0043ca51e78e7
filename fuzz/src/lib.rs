//! The fuzz targets' bodies, one function per target: `fuzz_targets/<name>.rs` hands libFuzzer's
//! input to `<name>`, and `tests/replay.rs` runs every file of `corpus/<name>/` through it on a
//! stable toolchain. Each one panics when an invariant of the code under test breaks.

mod c_abi;
mod proxy_header;
mod query;
mod router;
mod static_path;
mod unpack;

pub use c_abi::c_abi;
pub use proxy_header::proxy_header;
pub use query::query;
pub use router::router;
pub use static_path::static_path;
pub use unpack::unpack;

/// A target's body: one input, a panic for a broken invariant.
pub type Target = fn(&[u8]);

/// Every target, by the name of its fuzz target and corpus directory.
pub const TARGETS: &[(&str, Target)] = &[
    ("unpack", unpack),
    ("proxy_header", proxy_header),
    ("router", router),
    ("static_path", static_path),
    ("query", query),
    ("c_abi", c_abi),
];

/// Chunk lengths from a seed (xorshift), each in `1..=max`: how a stream arrives in reads.
struct Chunks {
    state: u32,
    max: usize,
}

impl Chunks {
    fn new(seed: u8, max: usize) -> Self {
        Chunks {
            state: u32::from(seed).wrapping_mul(0x9e37_79b9) | 1,
            max: max.max(1),
        }
    }
}

impl Iterator for Chunks {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 17;
        self.state ^= self.state << 5;
        Some(self.state as usize % self.max + 1)
    }
}
