//! An incremental HTTP/1.x parser (`hv_http_parser`), behind libhv's `HttpParser.h`.

use std::ffi::{c_char, c_void};
use std::sync::{Mutex, MutexGuard};

use super::boundary::{box_free, box_handle, bytes, copy_c_string};
use super::http::{null_str, out_pair, out_str};
use super::status::{hv_status, set_last_error};
use crate::http::parser::{Parser, HP_ERROR};

/// Parses one HTTP/1.x request or response from bytes fed as they arrive. Owned by its
/// creator; `hv_http_parser_free` releases it. Usable from any thread (calls are serialized).
/// Pointers it returns are borrowed: valid until the next call that changes the parser
/// (`_feed`, `_finish`, `_reset`, `_clear_body`, `_free`).
pub struct hv_http_parser {
    _private: [u8; 0],
}
castable!(hv_http_parser => Mutex<Parser>, boxed);

fn parser<'a>(p: *const hv_http_parser) -> Option<MutexGuard<'a, Parser>> {
    let m = <hv_http_parser as super::boundary::Castable>::as_rust(p)?;
    Some(m.lock().unwrap_or_else(|e| e.into_inner()))
}

/// A parser for a request (`request`) or a response.
#[no_mangle]
pub extern "C" fn hv_http_parser_new(request: bool) -> *mut hv_http_parser {
    ffi_boundary! { box_handle::<hv_http_parser>(Mutex::new(Parser::new(request))) }
}

#[no_mangle]
pub extern "C" fn hv_http_parser_free(parser: *mut hv_http_parser) {
    ffi_boundary! { box_free(parser) }
}

/// Starts over for a new message (a request with `request`, else a response).
#[no_mangle]
pub extern "C" fn hv_http_parser_reset(parser: *const hv_http_parser, request: bool) -> hv_status {
    ffi_boundary! {
        match self::parser(parser) {
            Some(mut p) => {
                p.reset(request);
                hv_status::HV_OK
            }
            None => hv_status::HV_ERR_NULL_PARAMETER,
        }
    }
}

/// For a response parser: expect no body whatever the headers say (the answer to HEAD).
/// Kept across `hv_http_parser_reset`.
#[no_mangle]
pub extern "C" fn hv_http_parser_set_skip_body(
    parser: *const hv_http_parser,
    skip: bool,
) -> hv_status {
    ffi_boundary! {
        match self::parser(parser) {
            Some(mut p) => {
                p.set_skip_body(skip);
                hv_status::HV_OK
            }
            None => hv_status::HV_ERR_NULL_PARAMETER,
        }
    }
}

/// Parses `len` bytes at `data`. Returns the bytes consumed (fewer than `len` only once the
/// message is complete: the rest starts the next message), or -1 for a malformed message
/// (then the state is `HP_ERROR` and `hv_http_parser_error` says why) or a NULL argument.
#[no_mangle]
pub extern "C" fn hv_http_parser_feed(
    parser: *const hv_http_parser,
    data: *const c_void,
    len: usize,
) -> i64 {
    ffi_boundary! {
        let (Some(mut p), Some(data)) = (self::parser(parser), bytes(data, len)) else {
            return -1;
        };
        match p.feed(data) {
            Ok(n) => n as i64,
            Err(_) => {
                set_last_error(p.error().unwrap_or("malformed HTTP message").to_string());
                -1
            }
        }
    }
}

/// The peer closed the connection: a response read up to EOF completes; a message cut short
/// is an error (`HV_ERR_INVALID_ARGUMENT`, state `HP_ERROR`).
#[no_mangle]
pub extern "C" fn hv_http_parser_finish(parser: *const hv_http_parser) -> hv_status {
    ffi_boundary! {
        match self::parser(parser) {
            Some(mut p) => match p.finish() {
                Ok(()) => hv_status::HV_OK,
                Err(_) => hv_status::HV_ERR_INVALID_ARGUMENT,
            },
            None => hv_status::HV_ERR_NULL_PARAMETER,
        }
    }
}

/// libhv's `http_parser_state`: `HP_START_REQ_OR_RES` (0) .. `HP_MESSAGE_COMPLETE` (10),
/// `HP_ERROR` (11); `HP_ERROR` for NULL.
#[no_mangle]
pub extern "C" fn hv_http_parser_state(parser: *const hv_http_parser) -> i32 {
    ffi_boundary! { self::parser(parser).map_or(HP_ERROR, |p| p.state()) }
}

/// The request method ("" until the head is parsed); borrowed. NULL for NULL.
#[no_mangle]
pub extern "C" fn hv_http_parser_method(parser: *const hv_http_parser) -> *const c_char {
    ffi_boundary! {
        self::parser(parser).map_or(std::ptr::null(), |p| p.head().map_or(c"".as_ptr(), |h| h.method.as_ptr()))
    }
}

/// The request target as sent ("" until the head is parsed); borrowed. NULL for NULL.
#[no_mangle]
pub extern "C" fn hv_http_parser_url(parser: *const hv_http_parser) -> *const c_char {
    ffi_boundary! {
        self::parser(parser).map_or(std::ptr::null(), |p| p.head().map_or(c"".as_ptr(), |h| h.url.as_ptr()))
    }
}

/// The response status (0 until the head is parsed, and for requests); -1 for NULL.
#[no_mangle]
pub extern "C" fn hv_http_parser_status_code(parser: *const hv_http_parser) -> i32 {
    ffi_boundary! { self::parser(parser).map_or(-1, |p| p.head().map_or(0, |h| i32::from(h.status))) }
}

/// The minor HTTP version (1.0 or 1.1; 1 until the head is parsed); -1 for NULL.
#[no_mangle]
pub extern "C" fn hv_http_parser_http_minor(parser: *const hv_http_parser) -> i32 {
    ffi_boundary! { self::parser(parser).map_or(-1, |p| p.head().map_or(1, |h| i32::from(h.minor_version))) }
}

/// Header fields parsed (0 until the head is parsed or for NULL).
#[no_mangle]
pub extern "C" fn hv_http_parser_header_count(parser: *const hv_http_parser) -> usize {
    ffi_boundary! { self::parser(parser).map_or(0, |p| p.head().map_or(0, |h| h.headers.len())) }
}

/// Header field `index` (in arrival order): borrowed name and value bytes (not NUL-terminated)
/// with their lengths. False (outputs untouched) for a NULL argument or an index out of range.
#[no_mangle]
pub extern "C" fn hv_http_parser_header(
    parser: *const hv_http_parser,
    index: usize,
    name: *mut *const c_char,
    name_len: *mut usize,
    value: *mut *const c_char,
    value_len: *mut usize,
) -> bool {
    ffi_boundary! {
        if name.is_null() || name_len.is_null() || value.is_null() || value_len.is_null() {
            return false;
        }
        let Some(p) = self::parser(parser) else { return false };
        let pair = p.head().and_then(|h| h.headers.get(index)).map(|(n, v)| (&n[..], &v[..]));
        out_pair(pair, name, name_len, value, value_len)
    }
}

/// Body bytes parsed since the last `hv_http_parser_clear_body` (chunked framing removed);
/// borrowed, `*len` of them. NULL (and 0) for a NULL argument.
#[no_mangle]
pub extern "C" fn hv_http_parser_body(
    parser: *const hv_http_parser,
    len: *mut usize,
) -> *const c_char {
    ffi_boundary! {
        if len.is_null() {
            return std::ptr::null();
        }
        match self::parser(parser) {
            Some(p) => out_str(p.body(), len),
            None => null_str(len),
        }
    }
}

/// Forgets the body bytes parsed so far (for programs that consume the body as it arrives).
#[no_mangle]
pub extern "C" fn hv_http_parser_clear_body(parser: *const hv_http_parser) {
    ffi_boundary! {
        if let Some(mut p) = self::parser(parser) {
            p.clear_body();
        }
    }
}

/// Why the message was rejected, written into `buf` (NUL-terminated, truncated to `len`); ""
/// when it was not. Returns the message's full length (0 for NULL `parser`).
#[no_mangle]
pub extern "C" fn hv_http_parser_error(
    parser: *const hv_http_parser,
    buf: *mut c_char,
    len: usize,
) -> usize {
    ffi_boundary! {
        let Some(p) = self::parser(parser) else { return copy_c_string(b"", buf, len) };
        copy_c_string(p.error().unwrap_or("").as_bytes(), buf, len)
    }
}
