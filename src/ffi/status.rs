//! Status codes and the per-thread last-error message.

use std::cell::RefCell;
use std::ffi::{c_char, CStr};

use super::boundary::copy_c_string;
use crate::error::Error;

/// Every fallible function returns one of these; numbers are stable and never reused.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum hv_status {
    HV_OK = 0,
    HV_ERR_NULL_PARAMETER = 7001,
    HV_ERR_INVALID_ARGUMENT = 7002,
    HV_ERR_INVALID_UTF8 = 7003,
    HV_ERR_PANIC = 7004,
    HV_ERR_IO = 7005,
    HV_ERR_RESOLVE = 7006,
    HV_ERR_TLS_CONFIG = 7007,
    HV_ERR_STATE = 7008,
    HV_ERR_CLOSED = 7009,
    HV_ERR_OVER_LIMIT = 7010,
    /// For C/C++ callers: a callback failed (the C++ headers report caught exceptions with it).
    HV_ERR_CALLBACK = 7011,
}

impl hv_status {
    /// Every status, in numeric order (`TryFrom<u32>` accepts exactly these: a new status
    /// goes here too).
    pub const ALL: [hv_status; 12] = [
        hv_status::HV_OK,
        hv_status::HV_ERR_NULL_PARAMETER,
        hv_status::HV_ERR_INVALID_ARGUMENT,
        hv_status::HV_ERR_INVALID_UTF8,
        hv_status::HV_ERR_PANIC,
        hv_status::HV_ERR_IO,
        hv_status::HV_ERR_RESOLVE,
        hv_status::HV_ERR_TLS_CONFIG,
        hv_status::HV_ERR_STATE,
        hv_status::HV_ERR_CLOSED,
        hv_status::HV_ERR_OVER_LIMIT,
        hv_status::HV_ERR_CALLBACK,
    ];
}

/// An integer from C that names no variant of the enum the header declares for it. C lets a
/// caller pass any integer where a prototype names an enum, and a Rust enum holding an unlisted
/// value is undefined behaviour, so entry points take the integer and convert it checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownEnumValue {
    pub type_name: &'static str,
    pub value: i64,
}

impl std::fmt::Display for UnknownEnumValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is not a valid {}", self.value, self.type_name)
    }
}

impl std::error::Error for UnknownEnumValue {}

impl UnknownEnumValue {
    /// Records the error as the thread's last error; the entry point returns this status.
    pub(crate) fn report(self) -> hv_status {
        set_last_error(self.to_string());
        hv_status::HV_ERR_INVALID_ARGUMENT
    }
}

impl TryFrom<u32> for hv_status {
    type Error = UnknownEnumValue;

    fn try_from(value: u32) -> Result<Self, Self::Error> {
        hv_status::ALL
            .into_iter()
            .find(|s| *s as u32 == value)
            .ok_or(UnknownEnumValue {
                type_name: "hv_status",
                value: i64::from(value),
            })
    }
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

pub(crate) fn set_last_error(msg: impl Into<String>) {
    let msg = msg.into();
    // During thread teardown (static destructors after `exit()`) the message is dropped.
    let _ = LAST_ERROR.try_with(|e| *e.borrow_mut() = msg);
}

impl From<&Error> for hv_status {
    fn from(e: &Error) -> Self {
        match e {
            Error::InvalidArgument(_) | Error::Config { .. } => hv_status::HV_ERR_INVALID_ARGUMENT,
            Error::Io { .. } | Error::ProxyHeader(_) => hv_status::HV_ERR_IO,
            Error::Resolve { .. } => hv_status::HV_ERR_RESOLVE,
            Error::TlsConfig(_) => hv_status::HV_ERR_TLS_CONFIG,
            Error::State(_) => hv_status::HV_ERR_STATE,
            Error::Closed => hv_status::HV_ERR_CLOSED,
            Error::OverLimit(_) => hv_status::HV_ERR_OVER_LIMIT,
        }
    }
}

/// Records `e` as this thread's last error and returns its status.
pub(crate) fn fail(e: Error) -> hv_status {
    let status = hv_status::from(&e);
    set_last_error(e.to_string());
    status
}

pub(crate) fn status_of(r: crate::Result<()>) -> hv_status {
    match r {
        Ok(()) => hv_status::HV_OK,
        Err(e) => fail(e),
    }
}

/// A static, NUL-terminated description of `status` (an `hv_status` value; any other number
/// gives "unknown status"). Never NULL; never freed.
#[no_mangle]
pub extern "C" fn hv_status_str(status: u32) -> *const c_char {
    ffi_boundary! {
        let Ok(status) = hv_status::try_from(status) else {
            return c"unknown status".as_ptr();
        };
        let s: &'static CStr = match status {
            hv_status::HV_OK => c"ok",
            hv_status::HV_ERR_NULL_PARAMETER => c"a required pointer argument is NULL",
            hv_status::HV_ERR_INVALID_ARGUMENT => c"invalid argument",
            hv_status::HV_ERR_INVALID_UTF8 => c"string is not valid UTF-8",
            hv_status::HV_ERR_PANIC => c"internal error (caught panic)",
            hv_status::HV_ERR_IO => c"I/O error",
            hv_status::HV_ERR_RESOLVE => c"host name could not be resolved",
            hv_status::HV_ERR_TLS_CONFIG => c"TLS configuration error",
            hv_status::HV_ERR_STATE => c"operation not allowed in the current state",
            hv_status::HV_ERR_CLOSED => c"connection is closed",
            hv_status::HV_ERR_OVER_LIMIT => c"over limit",
            hv_status::HV_ERR_CALLBACK => c"callback failed",
        };
        s.as_ptr()
    }
}

/// Copies the calling thread's last error message into `buf` (NUL-terminated, truncated to
/// `len`), and returns the message's full length. `buf` may be NULL to ask for the length.
#[no_mangle]
pub extern "C" fn hv_last_error(buf: *mut c_char, len: usize) -> usize {
    ffi_boundary! {
        // A thread whose locals are being destroyed has no message any more.
        LAST_ERROR
            .try_with(|e| copy_c_string(e.borrow().as_bytes(), buf, len))
            .unwrap_or_else(|_| copy_c_string(b"", buf, len))
    }
}

/// The library version, e.g. "0.1.0". Static; never freed.
#[no_mangle]
pub extern "C" fn hv_rs_version() -> *const c_char {
    ffi_boundary! {
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr() as *const c_char
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_converts_back_from_its_number_and_others_do_not() {
        for s in hv_status::ALL {
            assert_eq!(hv_status::try_from(s as u32), Ok(s));
        }
        let err = hv_status::try_from(7012).unwrap_err();
        assert_eq!(err.to_string(), "7012 is not a valid hv_status");
    }
}
