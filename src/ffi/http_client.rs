//! The HTTP client for C (behind `requests.h` and `HttpClient.h`): build a request, send it
//! blocking or with a callback, read the answer through the `hv_http_response_*` getters.

use std::ffi::{c_char, c_void};
use std::time::Duration;

use hyper::Method;

use super::boundary::hv_userdata_free;
use super::boundary::{box_free, box_handle, bytes, opt_str, ForeignData};
use super::http::hv_http_response;
use super::status::{fail, hv_status, set_last_error};
use crate::http::client::{self, ClientRequest, StreamEvent};
use crate::http::message::header;
use crate::http::upload;
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

/// A streamed answer's parts, in the order a stream callback receives them.
pub const HV_HTTP_STREAM_HEAD: i32 = 0;
pub const HV_HTTP_STREAM_BODY: i32 = 1;
pub const HV_HTTP_STREAM_COMPLETE: i32 = 2;
/// Before each piece of a chunked HTTP/1.1 answer (`len` = the piece's size, `data` NULL), and
/// once with `len` 0 for its last chunk.
pub const HV_HTTP_STREAM_CHUNK_HEADER: i32 = 3;
/// After each piece of a chunked answer, and after its last chunk.
pub const HV_HTTP_STREAM_CHUNK_COMPLETE: i32 = 4;

/// Runs on the client's loop thread for each part of a streamed answer: `HV_HTTP_STREAM_HEAD`
/// once with `resp` (status and headers, no body; borrowed for the call), `HV_HTTP_STREAM_BODY`
/// for each piece of the body (`data`, `len`, valid for the call; `resp` NULL), then
/// `HV_HTTP_STREAM_COMPLETE` once the whole body has arrived. A chunked HTTP/1.1 answer brackets
/// each piece with `HV_HTTP_STREAM_CHUNK_HEADER` and `HV_HTTP_STREAM_CHUNK_COMPLETE`, and ends
/// with both once more for its last chunk. The send then completes as usual.
pub type hv_http_client_stream_cb = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        part: i32,
        resp: *const hv_http_response,
        data: *const u8,
        len: usize,
    ),
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

/// Runs on the client's loop thread after each piece of a file body was handed to the
/// connection: `sent` bytes of `total` so far.
pub type hv_http_client_progress_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, sent: u64, total: u64)>;

/// Makes the body the contents of the file at `path` (read during the call only), streamed
/// as the connection takes it with its size as Content-Length, so an upload of any size holds
/// one piece in memory; replaces a body set before. The file is opened when a send starts; a
/// missing file now is `HV_ERR_IO`. `progress` (may be NULL) gets the bytes handed to the
/// connection so far; `userdata_free` runs once the request and every send made with it are
/// finished (at once when `progress` is NULL: nothing will use the userdata).
#[no_mangle]
pub extern "C" fn hv_http_client_request_set_body_file(
    req: *const hv_http_client_request,
    path: *const c_char,
    progress: hv_http_client_progress_cb,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let request = try_ref!(req);
        let path = match opt_str(path) {
            Ok(Some(p)) => std::path::PathBuf::from(p),
            Ok(None) => return hv_status::HV_ERR_NULL_PARAMETER,
            Err(s) => return s,
        };
        if let Err(e) = std::fs::metadata(&path) {
            return fail(crate::Error::io(format!("upload {}", path.display()), e));
        }
        let progress = progress.map(|cb| -> upload::ProgressSink {
            std::sync::Arc::new(move |sent, total| {
                // SAFETY: the caller registered `cb` for this userdata, which lives until
                // `userdata_free` runs after the last send.
                unsafe { cb(data.ptr, sent, total) }
            })
        });
        let source = Some(upload::FileSource { path, progress });
        let previous = match request.lock() {
            Ok(mut r) => std::mem::replace(&mut r.body_file, source),
            Err(p) => std::mem::replace(&mut p.into_inner().body_file, source),
        };
        // Dropped with no lock held: its userdata_free is foreign code.
        drop(previous);
        hv_status::HV_OK
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

/// Hands the answer's body to `cb` as it arrives instead of collecting it, so an answer of any
/// size uses bounded memory; the response a send returns then has an empty body. A NULL `cb`
/// collects bodies again. `userdata_free` runs once the request and every send made with it
/// are finished.
#[no_mangle]
pub extern "C" fn hv_http_client_request_set_stream(
    req: *const hv_http_client_request,
    cb: hv_http_client_stream_cb,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let sink = cb.map(|cb| -> client::StreamSink {
            std::sync::Arc::new(move |event: StreamEvent<'_>| {
                let none = std::ptr::null();
                let (part, resp, ptr, len): (i32, *const hv_http_response, *const u8, usize) = match event {
                    StreamEvent::Head(r) => (HV_HTTP_STREAM_HEAD, r as *const Response as *const hv_http_response, none, 0),
                    StreamEvent::ChunkHeader(n) => (HV_HTTP_STREAM_CHUNK_HEADER, std::ptr::null(), none, n),
                    StreamEvent::Body(b) => (HV_HTTP_STREAM_BODY, std::ptr::null(), b.as_ptr(), b.len()),
                    StreamEvent::ChunkComplete => (HV_HTTP_STREAM_CHUNK_COMPLETE, std::ptr::null(), none, 0),
                    StreamEvent::Complete => (HV_HTTP_STREAM_COMPLETE, std::ptr::null(), none, 0),
                };
                // SAFETY: the caller registered `cb` for this userdata; `resp` and the body
                // bytes are valid for the duration of the call.
                unsafe { cb(data.ptr, part, resp, ptr, len) }
            })
        });
        let previous = match try_ref!(req).lock() {
            Ok(mut r) => std::mem::replace(&mut r.stream, sink),
            Err(p) => std::mem::replace(&mut p.into_inner().stream, sink),
        };
        // Dropped with no lock held: its userdata_free is foreign code.
        drop(previous);
        hv_status::HV_OK
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
