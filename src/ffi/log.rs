//! Logging: the sink behind libhv's `hlog` macros (see `hlog.h`).

use std::ffi::{c_char, c_int, c_void};

use super::boundary::{bytes, opt_str};
use super::status::{fail, hv_status};
use crate::error::Error;
use crate::log;

/// Receives each formatted line (with its newline; NUL-terminated, as libhv's, with `len` not
/// counting the NUL). Runs on the thread that logged, with no library lock held: it may log
/// itself (that line goes to stderr, not back to the handler) or replace the handler.
pub type hv_log_handler =
    Option<unsafe extern "C" fn(level: c_int, buf: *const c_char, len: c_int)>;

/// Sets the minimum level: 0 VERBOSE, 1 DEBUG, 2 INFO (default), 3 WARN, 4 ERROR, 5 FATAL,
/// 6 SILENT.
#[no_mangle]
pub extern "C" fn hv_log_set_level(level: c_int) {
    ffi_boundary! { log::set_level(level) }
}

#[no_mangle]
pub extern "C" fn hv_log_get_level() -> c_int {
    ffi_boundary! { log::level() }
}

/// Sets the level by name ("DEBUG", "info", ...). Returns 0, or nonzero for an unknown name.
#[no_mangle]
pub extern "C" fn hv_log_set_level_by_str(level: *const c_char) -> c_int {
    ffi_boundary! {
        match opt_str(level) {
            Ok(Some(name)) => match log::parse_level(name) {
                Some(l) => {
                    log::set_level(l);
                    0
                }
                None => hv_status::HV_ERR_INVALID_ARGUMENT as c_int,
            },
            Ok(None) => hv_status::HV_ERR_NULL_PARAMETER as c_int,
            Err(s) => s as c_int,
        }
    }
}

/// Appends log lines to `path` (rotated at the maximum size), or with NULL back to stderr.
/// Returns 0 or an `hv_status`.
#[no_mangle]
pub extern "C" fn hv_log_set_file(path: *const c_char) -> c_int {
    ffi_boundary! {
        let path = match opt_str(path) {
            Ok(p) => p.map(std::path::PathBuf::from),
            Err(s) => return s as c_int,
        };
        match log::set_file(path) {
            Ok(()) => 0,
            Err(e) => fail(Error::io("opening the log file", e)) as c_int,
        }
    }
}

#[no_mangle]
pub extern "C" fn hv_log_set_max_filesize(bytes: u64) {
    ffi_boundary! { log::set_max_filesize(bytes) }
}

/// Accepted for libhv compatibility; hv-rs keeps one rotated file instead of dated files.
#[no_mangle]
pub extern "C" fn hv_log_set_remain_days(days: c_int) {
    ffi_boundary! { let _ = days; }
}

#[no_mangle]
pub extern "C" fn hv_log_enable_fsync(on: c_int) {
    ffi_boundary! { log::enable_fsync(on != 0) }
}

#[no_mangle]
pub extern "C" fn hv_log_fsync() {
    ffi_boundary! { log::fsync() }
}

/// Sends lines to `handler` instead of the file or stderr; NULL restores stderr.
#[no_mangle]
pub extern "C" fn hv_log_set_handler(handler: hv_log_handler) {
    ffi_boundary! {
        log::set_handler(handler.map(|h| -> log::Handler {
            Box::new(move |level, line| {
                // libhv hands handlers a C string: code ported from it may treat `buf` as one.
                let mut text = Vec::with_capacity(line.len() + 1);
                text.extend_from_slice(line);
                text.push(0);
                let len = line.len().min(c_int::MAX as usize) as c_int;
                // SAFETY: `text` holds `len` bytes and a NUL, valid for the call; the handler was
                // supplied by the caller.
                unsafe { h(level, text.as_ptr() as *const c_char, len) }
            })
        }))
    }
}

/// Writes one already-formatted message (no trailing newline needed) at `level`.
#[no_mangle]
pub extern "C" fn hv_log_write(level: c_int, msg: *const c_char, len: usize) {
    ffi_boundary! {
        if let Some(msg) = bytes(msg as *const c_void, len) {
            log::write(level, msg);
        }
    }
}
