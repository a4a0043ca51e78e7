//! The C ABI of one blocking client connection driven step by step (libhv's
//! `http_client_connect` / `_send_header` / `_send_data` / `_recv_data` / `_recv_response`).

use std::ffi::{c_char, c_void};
use std::sync::Mutex;
use std::time::Duration;

use super::boundary::{box_free, box_handle, bytes, endpoint_arg, report_fd};
use super::http::hv_http_response;
use super::http_client::hv_http_client_request;
use super::status::{fail, hv_status, set_last_error};
use crate::http::conn::ClientConn;

/// A connection. Owned by its creator; `hv_http_conn_free` closes and releases it. Its calls
/// may come from any thread, one at a time.
pub struct hv_http_conn {
    _private: [u8; 0],
}
castable!(hv_http_conn => Mutex<ClientConn>, boxed);

fn with_conn<T>(conn: *const hv_http_conn, err: T, f: impl FnOnce(&mut ClientConn) -> T) -> T {
    let c = try_ref!(conn, err);
    f(&mut c.lock().unwrap_or_else(|p| p.into_inner()))
}

/// Connects to `host:port` (with `https`, a TLS handshake verifying `host` with the system's
/// trust anchors), blocking up to `timeout_ms` for each step. Returns the connection, or NULL
/// with `hv_last_error` set. `out_fd` (may be NULL) gets the socket, or a negative errno.
#[no_mangle]
pub extern "C" fn hv_http_conn_connect(
    host: *const c_char,
    port: i32,
    https: bool,
    timeout_ms: u32,
    out_fd: *mut i32,
) -> *mut hv_http_conn {
    ffi_boundary! {
        let (host, port) = match endpoint_arg(host, "127.0.0.1", port) {
            Ok(hp) => hp,
            Err(_) => {
                report_fd(out_fd, Err(crate::Error::InvalidArgument("bad host or port".into())));
                return std::ptr::null_mut();
            }
        };
        let timeout = Duration::from_millis(u64::from(timeout_ms.max(1)));
        match ClientConn::connect(host, port, https, timeout) {
            Ok(conn) => {
                report_fd(out_fd, Ok(conn.fd()));
                box_handle::<hv_http_conn>(Mutex::new(conn))
            }
            Err(e) => {
                report_fd(out_fd, Err(e));
                std::ptr::null_mut()
            }
        }
    }
}

/// Closes and frees (NULL is ignored).
#[no_mangle]
pub extern "C" fn hv_http_conn_free(conn: *mut hv_http_conn) {
    ffi_boundary! { box_free(conn) }
}

/// Sends `req`'s head and the body it holds (read during the call). A `Content-Length` header
/// on `req` is sent as is, so the rest of the body may follow with `hv_http_conn_send`.
#[no_mangle]
pub extern "C" fn hv_http_conn_send_request(
    conn: *const hv_http_conn,
    req: *const hv_http_client_request,
) -> hv_status {
    ffi_boundary! {
        let r = try_ref!(req);
        let request = r.lock().unwrap_or_else(|p| p.into_inner()).clone();
        with_conn(conn, hv_status::HV_ERR_NULL_PARAMETER, |c| {
            super::status::status_of(c.send_request(&request))
        })
    }
}

/// Sends `len` bytes; returns `len`, or -1 (`hv_last_error` says why).
#[no_mangle]
pub extern "C" fn hv_http_conn_send(
    conn: *const hv_http_conn,
    data: *const c_void,
    len: usize,
) -> i64 {
    ffi_boundary! {
        let Some(data) = bytes(data, len) else { return -1 };
        with_conn(conn, -1, |c| match c.send(data) {
            Ok(n) => n as i64,
            Err(e) => {
                fail(e);
                -1
            }
        })
    }
}

/// Reads up to `len` bytes of what the server sends into `buf`; returns how many, 0 when the
/// server closed, -1 on an error or timeout.
#[no_mangle]
pub extern "C" fn hv_http_conn_recv(
    conn: *const hv_http_conn,
    buf: *mut c_void,
    len: usize,
) -> i64 {
    ffi_boundary! {
        if buf.is_null() || len == 0 {
            set_last_error("recv needs a buffer");
            return -1;
        }
        // SAFETY: the caller gives `len` writable bytes at `buf` for the duration of the call.
        let out = unsafe { std::slice::from_raw_parts_mut(buf as *mut u8, len) };
        with_conn(conn, -1, |c| match c.recv(out) {
            Ok(n) => n as i64,
            Err(e) => {
                fail(e);
                -1
            }
        })
    }
}

/// Reads one whole answer; `*out` gets a response to free with `hv_http_response_free`.
#[no_mangle]
pub extern "C" fn hv_http_conn_recv_response(
    conn: *const hv_http_conn,
    out: *mut *mut hv_http_response,
) -> hv_status {
    ffi_boundary! {
        if out.is_null() {
            return hv_status::HV_ERR_NULL_PARAMETER;
        }
        with_conn(conn, hv_status::HV_ERR_NULL_PARAMETER, |c| match c.recv_response() {
            Ok(resp) => {
                // SAFETY: `out` is non-NULL and writable, per the documented contract.
                unsafe { *out = box_handle::<hv_http_response>(resp) };
                hv_status::HV_OK
            }
            Err(e) => fail(e),
        })
    }
}
