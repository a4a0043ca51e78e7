//! Knob tables: each server's limits and switches by name, so the C ABI (`*_set_option`),
//! C++ (`setOption`) and the `HV_` environment variables read when a server starts all parse
//! the same names the same way, and the README's table can be checked against the code.
//! Defaults are written as the strings a user would write, and parsed like them, so a
//! documented default is the default.

use std::time::Duration;

use crate::error::{Error, Result};

/// One knob of the options `T`: its name (the env variable is `HV_` + the name in upper case),
/// its default and what it bounds, as the README lists them.
pub struct Knob<T: 'static> {
    pub name: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
    pub(crate) apply: fn(&mut T, &str) -> std::result::Result<(), String>,
}

impl<T> Knob<T> {
    /// `HV_HEAD_TIMEOUT_MS` for `head_timeout_ms`.
    pub fn env_name(&self) -> String {
        format!("HV_{}", self.name.to_ascii_uppercase())
    }
}

/// Options set through a knob table.
pub trait Knobs: Default + Sized + 'static {
    /// Every knob, in the order the README lists them.
    const TABLE: &'static [Knob<Self>];

    /// The documented defaults.
    fn defaults() -> Self {
        let mut o = Self::default();
        for knob in Self::TABLE {
            (knob.apply)(&mut o, knob.default).expect("every default parses");
        }
        o
    }

    /// Sets the knob `name` from its text form (as in the README and the environment).
    fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let knob = Self::TABLE
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
    fn apply_env(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<()> {
        for knob in Self::TABLE {
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
}

/// `knob!(name, default, doc, field, parser)`: a knob that parses its text into one field.
macro_rules! knob {
    ($name:literal, $default:literal, $doc:literal, $field:ident, $parse:expr) => {
        $crate::knobs::Knob {
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
pub(crate) use knob;

pub(crate) type Parsed<T> = std::result::Result<T, String>;

/// The longest duration a knob takes (a year): deadlines are added to the clock, which must
/// not overflow.
const MAX_MILLIS: u64 = 365 * 24 * 3600 * 1000;
/// The largest size a knob takes (1 TiB): limits are added to, and must not wrap.
const MAX_BYTES: u64 = 1 << 40;

pub(crate) fn millis(v: &str) -> Parsed<Duration> {
    let n: u64 = v
        .trim()
        .parse()
        .map_err(|_| "expected milliseconds (an integer)".to_owned())?;
    if n > MAX_MILLIS {
        return Err(format!("at most {MAX_MILLIS} ms (a year)"));
    }
    Ok(Duration::from_millis(n))
}

/// A byte count: an integer with an optional `k`, `m` or `g` suffix (powers of 1024).
pub(crate) fn bytes(v: &str) -> Parsed<u64> {
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
        .filter(|&b| b <= MAX_BYTES)
        .ok_or_else(|| "byte count too large (at most 1 TiB, 1024g)".to_owned())
}

pub(crate) fn count(v: &str) -> Parsed<usize> {
    v.trim()
        .parse()
        .map_err(|_| "expected a non-negative integer".to_owned())
}

pub(crate) fn count32(v: &str) -> Parsed<u32> {
    u32::try_from(count(v)?).map_err(|_| "too large for 32 bits".to_owned())
}

/// A count, or `off` for 0 (no limit).
pub(crate) fn off_or_count(v: &str) -> Parsed<u32> {
    if v.trim().eq_ignore_ascii_case("off") {
        return Ok(0);
    }
    count32(v)
}

pub(crate) fn size(v: &str) -> Parsed<usize> {
    usize::try_from(bytes(v)?).map_err(|_| "byte count too large".to_owned())
}

pub(crate) fn size32(v: &str) -> Parsed<u32> {
    u32::try_from(bytes(v)?).map_err(|_| "too large for 32 bits".to_owned())
}

pub(crate) fn switch(v: &str) -> Parsed<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "on" | "1" | "true" | "yes" => Ok(true),
        "off" | "0" | "false" | "no" => Ok(false),
        _ => Err("expected on or off".to_owned()),
    }
}

/// A comma-separated list; `off` or nothing is the empty list.
pub(crate) fn list(v: &str) -> Vec<&str> {
    let v = v.trim();
    if v.eq_ignore_ascii_case("off") {
        return Vec::new();
    }
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}
