//! The HTTP client for C (behind `requests.h` and `HttpClient.h`): build a request, send it
//! blocking or with a callback, read the answer through the `hv_http_response_*` getters.

use std::ffi::{c_char, c_void};
use std::time::Duration;

use hyper::Method;

use super::boundary::hv_userdata_free;
use super::boundary::{box_free, box_handle, bytes, opt_str, ForeignData};
use super::http::hv_http_response;
use super::status::{fail, hv_status, set_last_error};
use crate::http::client::{self, ClientRequest};
use crate::http::message::header;
use crate::http::Response;

/// A request to send. Owned by its creator; `hv_http_client_request_free` releases it.
pub struct hv_http_client_request {
    _private: [u8; 0],
}
castable!(hv_http_client_request => std::sync::Mutex<ClientRequest>, boxed);

/// Runs on the client's loop thread with the outcome: `HV_OK` and a response borrowed for the
/// call, or an error status and NULL.
pub type hv_http_client_cb = Option<
    unsafe extern "C" fn(userdata: *mut c_void, status: hv_status, resp: *const hv_http_response),
>;

fn with_request(
    req: *const hv_http_client_request,
    f: impl FnOnce(&mut ClientRequest) -> hv_status,
) -> hv_status {
    let r = try_ref!(req);
    f(&mut r.lock().unwrap_or_else(|p| p.into_inner()))
}

/// A request for `method` ("GET", ...) on an absolute `url` (http or https; https verifies the
/// server with the system's trust anchors). NULL on a bad argument.
#[no_mangle]
pub extern "C" fn hv_http_client_request_new(
    method: *const c_char,
    url: *const c_char,
) -> *mut hv_http_client_request {
    ffi_boundary! {
        let (Ok(Some(m)), Ok(Some(u))) = (opt_str(method), opt_str(url)) else {
            set_last_error("method and url are required UTF-8 strings");
            return std::ptr::null_mut();
        };
        match Method::from_bytes(m.to_ascii_uppercase().as_bytes()) {
            Ok(m) => box_handle::<hv_http_client_request>(std::sync::Mutex::new(ClientRequest::new(m, u))),
            Err(_) => {
                set_last_error(format!("bad HTTP method {m:?}"));
                std::ptr::null_mut()
            }
        }
    }
}

#[no_mangle]
pub extern "C" fn hv_http_client_request_free(req: *mut hv_http_client_request) {
    ffi_boundary! { box_free(req) }
}

/// Adds a header (repeatable); CR, LF or NUL in it is `HV_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn hv_http_client_request_add_header(
    req: *const hv_http_client_request,
    name: *const c_char,
    value: *const c_char,
) -> hv_status {
    ffi_boundary! {
        let (Ok(Some(n)), Ok(Some(v))) = (opt_str(name), opt_str(value)) else { return hv_status::HV_ERR_NULL_PARAMETER };
        with_request(req, |r| match header(n, v.as_bytes()) {
            Ok((n, v)) => {
                r.headers.append(n, v);
                hv_status::HV_OK
            }
            Err(e) => fail(e),
        })
    }
}

/// The body (copied).
#[no_mangle]
pub extern "C" fn hv_http_client_request_set_body(
    req: *const hv_http_client_request,
    data: *const c_void,
    len: usize,
) -> hv_status {
    ffi_boundary! {
        let Some(data) = bytes(data, len) else { return hv_status::HV_ERR_NULL_PARAMETER };
        with_request(req, |r| {
            r.body = bytes::Bytes::copy_from_slice(data);
            hv_status::HV_OK
        })
    }
}

/// Limit for the whole exchange in ms (default 60000).
#[no_mangle]
pub extern "C" fn hv_http_client_request_set_timeout(
    req: *const hv_http_client_request,
    ms: u32,
) -> hv_status {
    ffi_boundary! {
        with_request(req, |r| {
            r.timeout = Duration::from_millis(u64::from(ms.max(1)));
            hv_status::HV_OK
        })
    }
}

fn snapshot(req: *const hv_http_client_request) -> Option<ClientRequest> {
    let r = try_ref!(req, None);
    Some(r.lock().unwrap_or_else(|p| p.into_inner()).clone())
}

/// Sends and blocks until answered; `*out` gets a response to free with
/// `hv_http_response_free`. Must not be called from an async callback.
#[no_mangle]
pub extern "C" fn hv_http_client_send(
    req: *const hv_http_client_request,
    out: *mut *mut hv_http_response,
) -> hv_status {
    ffi_boundary! {
        let Some(request) = snapshot(req) else { return hv_status::HV_ERR_NULL_PARAMETER };
        if out.is_null() {
            return hv_status::HV_ERR_NULL_PARAMETER;
        }
        match client::send(request) {
            Ok(resp) => {
                // SAFETY: `out` is non-NULL and writable, per the documented contract.
                unsafe { *out = box_handle::<hv_http_response>(resp) };
                hv_status::HV_OK
            }
            Err(e) => fail(e),
        }
    }
}

/// Sends without blocking; `cb` runs once on the client's loop thread, then `userdata_free`.
#[no_mangle]
pub extern "C" fn hv_http_client_send_async(
    req: *const hv_http_client_request,
    cb: hv_http_client_cb,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let Some(request) = snapshot(req) else { return hv_status::HV_ERR_NULL_PARAMETER };
        let Some(cb) = cb else { return hv_status::HV_ERR_NULL_PARAMETER };
        client::send_async(request, Box::new(move |result| {
            let (status, resp) = match result {
                Ok(r) => (hv_status::HV_OK, Some(r)),
                Err(e) => (hv_status::from(&e), None),
            };
            let ptr = resp.as_ref().map_or(std::ptr::null(), |r: &Response| r as *const Response as *const hv_http_response);
            // SAFETY: the caller registered `cb` for this userdata; `ptr` outlives the call.
            unsafe { cb(data.ptr, status, ptr) }
        }));
        hv_status::HV_OK
    }
}

/// Frees a response from `hv_http_client_send`.
#[no_mangle]
pub extern "C" fn hv_http_response_free(resp: *mut hv_http_response) {
    ffi_boundary! { box_free(resp) }
}
