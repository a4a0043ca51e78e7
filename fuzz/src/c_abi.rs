//! The C ABI's string and length arguments: a sequence of `hv_*` calls read from the input,
//! with strings and buffers of arbitrary bytes (invalid UTF-8, NULs inside, NULL pointers).
//!
//! Each operation is an opcode byte, a length byte and that many argument bytes; two strings
//! in one argument are split at the first 0xFE. Opcode bit 0x80 passes NULL for the first
//! string (or the data pointer), bit 0x40 passes a NULL handle.

use std::ffi::{c_char, c_void, CStr};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

use hv::ffi::*;

/// Set by a panic anywhere, caught at the C boundary or not: the library's own hook keeps
/// caught panics quiet, so the fuzzer would not see them otherwise.
static PANICKED: AtomicBool = AtomicBool::new(false);

fn watch_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The first call into the library installs its panic hook; this one runs first.
        hv_rs_version();
        let library = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::SeqCst);
            library(info);
        }));
    });
}

unsafe extern "C" fn handler(
    _: *mut c_void,
    _: *mut hv_http_request,
    _: *mut hv_http_response,
    _: *const hv_http_writer,
) -> i32 {
    200
}

/// Operations: (opcode, argument).
struct Ops<'a>(&'a [u8]);

impl<'a> Iterator for Ops<'a> {
    type Item = (u8, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let (&op, rest) = self.0.split_first()?;
        let (len, rest) = rest.split_first().map_or((0, rest), |(l, r)| (*l, r));
        let (arg, rest) = rest.split_at(usize::from(len).min(rest.len()));
        self.0 = rest;
        Some((op, arg))
    }
}

/// A NUL-terminated copy (C sees it up to its first NUL).
fn c_string(bytes: &[u8]) -> Vec<u8> {
    [bytes, &[0]].concat()
}

/// Two C strings from one argument.
fn two(arg: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (a, b) = match arg.iter().position(|b| *b == 0xfe) {
        Some(i) => (&arg[..i], &arg[i + 1..]),
        None => (arg, &[][..]),
    };
    (c_string(a), c_string(b))
}

fn ptr(s: &[u8], null_it: bool) -> *const c_char {
    if null_it {
        null()
    } else {
        s.as_ptr() as *const c_char
    }
}

/// Reads every byte of a buffer the library handed out.
fn touch(p: *const c_char, len: usize) {
    if p.is_null() {
        assert_eq!(len, 0, "NULL with a length");
        return;
    }
    // SAFETY: the library returns `len` readable bytes at a non-NULL `p`, valid until the
    // parser changes; nothing changes it during this call (ASan reports a lie).
    let bytes = unsafe { std::slice::from_raw_parts(p as *const u8, len) };
    std::hint::black_box(bytes.iter().map(|b| u64::from(*b)).sum::<u64>());
}

fn c_str_len(p: *const c_char) -> usize {
    // SAFETY: the library returns NUL-terminated strings (ASan reports one that is not).
    unsafe { CStr::from_ptr(p) }.to_bytes().len()
}

/// Every getter of a parser, the error copied into a buffer of `buf_len` bytes.
fn check_parser(p: *const hv_http_parser, buf_len: usize) {
    let state = hv_http_parser_state(p);
    assert!((0..=11).contains(&state), "state {state}");
    for s in [hv_http_parser_method(p), hv_http_parser_url(p)] {
        assert_eq!(s.is_null(), p.is_null());
        if !s.is_null() {
            c_str_len(s);
        }
    }
    let status = hv_http_parser_status_code(p);
    assert!(
        status == -1 || (0..=999).contains(&status),
        "status {status}"
    );
    assert!([-1, 0, 1].contains(&hv_http_parser_http_minor(p)));
    let count = hv_http_parser_header_count(p);
    for i in 0..=count {
        let (mut n, mut nl, mut v, mut vl) = (null(), 0, null(), 0);
        let ok = hv_http_parser_header(p, i, &mut n, &mut nl, &mut v, &mut vl);
        assert_eq!(ok, i < count, "header {i} of {count}");
        if ok {
            touch(n, nl);
            touch(v, vl);
        }
    }
    let mut len = usize::MAX;
    let body = hv_http_parser_body(p, &mut len);
    touch(body, len);
    check_copy(buf_len, |buf, len| hv_http_parser_error(p, buf, len));
}

/// A string copied into a `len`-byte buffer is truncated there and NUL-terminated.
fn check_copy(len: usize, copy: impl FnOnce(*mut c_char, usize) -> usize) {
    let mut buf = vec![0xaau8; len + 1];
    let full = copy(buf.as_mut_ptr() as *mut c_char, len);
    if len > 0 {
        let n = full.min(len - 1);
        assert_eq!(
            buf[n], 0,
            "no NUL after {n} of {full} bytes in a {len}-byte buffer"
        );
    }
    assert_eq!(buf[len], 0xaa, "wrote past a {len}-byte buffer");
}

pub fn c_abi(data: &[u8]) {
    watch_panics();
    let parser = hv_http_parser_new(data.first().is_some_and(|b| b & 1 == 0));
    let service = hv_http_service_new();
    let server = hv_http_server_new();
    let mut request: *mut hv_http_client_request = null_mut();
    for (op, arg) in Ops(data) {
        let (null_arg, null_handle) = (op & 0x80 != 0, op & 0x40 != 0);
        let p = if null_handle {
            null()
        } else {
            parser as *const _
        };
        let svc = if null_handle {
            null()
        } else {
            service as *const _
        };
        let srv = if null_handle {
            null()
        } else {
            server as *const _
        };
        let flag = arg.first().is_some_and(|b| b & 1 == 1);
        match op & 0x0f {
            0 => {
                let data = if null_arg {
                    null()
                } else {
                    arg.as_ptr() as *const c_void
                };
                let n = hv_http_parser_feed(p, data, arg.len());
                assert!(
                    n >= -1 && n <= arg.len() as i64,
                    "fed {} bytes, took {n}",
                    arg.len()
                );
                if (null_arg && !arg.is_empty()) || null_handle {
                    assert_eq!(n, -1);
                }
            }
            1 => {
                hv_http_parser_finish(p);
            }
            2 => {
                hv_http_parser_reset(p, flag);
            }
            3 => {
                hv_http_parser_set_skip_body(p, flag);
            }
            4 => hv_http_parser_clear_body(p),
            5 => check_parser(p, arg.len()),
            6 => {
                hv_http_client_request_free(request);
                let (method, url) = two(arg);
                request = hv_http_client_request_new(ptr(&method, null_arg), ptr(&url, false));
            }
            7 => {
                let (name, value) = two(arg);
                let r = if null_handle {
                    null()
                } else {
                    request as *const _
                };
                hv_http_client_request_add_header(r, ptr(&name, null_arg), ptr(&value, false));
            }
            8 => {
                let r = if null_handle {
                    null()
                } else {
                    request as *const _
                };
                let data = if null_arg {
                    null()
                } else {
                    arg.as_ptr() as *const c_void
                };
                hv_http_client_request_set_body(r, data, arg.len());
            }
            9 => {
                let (method, path) = two(arg);
                let cb: hv_http_handler = if flag { Some(handler) } else { None };
                let (m, path) = (ptr(&method, null_arg), ptr(&path, false));
                hv_http_service_add_route(svc, m, path, cb, null_mut(), None);
            }
            10 => {
                let (a, b) = two(arg);
                let (a, b) = (ptr(&a, null_arg), ptr(&b, false));
                if flag {
                    hv_http_service_add_static(svc, a, b);
                } else {
                    hv_http_service_set_static_options(svc, a, b);
                }
            }
            11 => {
                let (a, b) = two(arg);
                let (a, b) = (ptr(&a, null_arg), ptr(&b, false));
                match arg.first().map_or(0, |b| b % 3) {
                    0 => hv_http_service_add_proxy(svc, a, b),
                    1 => hv_http_service_add_trust_proxy(svc, a),
                    _ => hv_http_service_add_no_proxy(svc, a),
                };
            }
            12 => {
                let (name, value) = two(arg);
                hv_http_server_set_option(srv, ptr(&name, null_arg), ptr(&value, false));
            }
            13 => {
                let host = c_string(arg);
                hv_http_server_set_host(srv, ptr(&host, null_arg));
            }
            14 => {
                let status = arg
                    .iter()
                    .fold(0u32, |s, b| s.rotate_left(8) ^ u32::from(*b));
                let text = hv_status_str(status);
                assert!(!text.is_null());
                c_str_len(text);
            }
            _ => check_copy(arg.len(), |buf, len| hv_last_error(buf, len)),
        }
        assert!(!PANICKED.load(Ordering::SeqCst), "a panic in the library");
    }
    check_parser(parser, 64);
    hv_http_client_request_free(request);
    hv_http_server_free(server);
    hv_http_service_free(service);
    hv_http_parser_free(parser);
    assert!(!PANICKED.load(Ordering::SeqCst), "a panic in the library");
}
