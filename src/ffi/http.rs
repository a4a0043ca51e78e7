//! HTTP for C: `hv_http_service` (routes and pipeline), `hv_http_server`, the request and
//! response a handler sees, and `hv_http_writer` for answering later or streaming.

use std::ffi::{c_char, c_void};
use std::sync::{Arc, Mutex};

use hyper::Method;

use super::boundary::{
    arc_clone, arc_free, borrowed_handle, box_free, box_handle, bytes, opt_str, required_str,
    ForeignData,
};
use super::boundary::{copy_c_string, hv_userdata_free};
use super::event_loop::{hv_loop, hv_post_cb};
use super::status::{fail, hv_status, set_last_error, status_of, UnknownEnumValue};
use super::types::{hv_tls_options, sni_cert_args, tls_arg};
use crate::event_loop::EventLoop;
use crate::http::{Exchange, Handler, HttpServer, Request, Response, Service, Writer};

/// A request, borrowed by a handler for the duration of its call.
pub struct hv_http_request {
    _private: [u8; 0],
}
castable!(hv_http_request => Request, boxed);

/// The response a handler fills, borrowed for the duration of its call.
pub struct hv_http_response {
    _private: [u8; 0],
}
castable!(hv_http_response => Response, boxed);

/// Answers a request from any thread, now or later: reference counted (`hv_http_writer_clone`
/// / `hv_http_writer_free`). The last reference finishes an unfinished response.
pub struct hv_http_writer {
    _private: [u8; 0],
}
castable!(hv_http_writer => Writer, arc);

/// Routes and pipeline stages. Owned by its creator; copied into a server by
/// `hv_http_server_set_service`, so it may be freed after that.
pub struct hv_http_service {
    _private: [u8; 0],
}
castable!(hv_http_service => Mutex<Service>, boxed);

/// An HTTP/HTTPS server. Owned by its creator; `hv_http_server_free` stops and frees it.
pub struct hv_http_server {
    _private: [u8; 0],
}
castable!(hv_http_server => HttpServer, boxed);

/// libhv's `HTTP_STATUS_NEXT`: returned by a handler that answers through the writer.
pub const HV_HTTP_NEXT: i32 = 0;

/// A route handler or pipeline stage. Runs on the connection's loop thread. Returns an HTTP
/// status (the server answers from `resp`), `HV_HTTP_NEXT` (the writer answers, now or later:
/// keep it with `hv_http_writer_clone`), or any other value (answer from `resp` as it is).
/// Pointers are valid only during the call.
pub type hv_http_handler = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        req: *mut hv_http_request,
        resp: *mut hv_http_response,
        writer: *const hv_http_writer,
    ) -> i32,
>;

fn handler(
    cb: unsafe extern "C" fn(
        *mut c_void,
        *mut hv_http_request,
        *mut hv_http_response,
        *const hv_http_writer,
    ) -> i32,
    data: Arc<ForeignData>,
) -> Handler {
    Arc::new(move |ex: &mut Exchange| {
        let req = &mut ex.req as *mut Request as *mut hv_http_request;
        let resp = &mut ex.resp as *mut Response as *mut hv_http_response;
        // SAFETY: the C caller registered `cb` for this userdata; the pointers are valid and
        // exclusively the handler's for the duration of the call.
        unsafe {
            cb(
                data.ptr,
                req,
                resp,
                borrowed_handle::<hv_http_writer>(&ex.writer),
            )
        }
    })
}

/// Runs `f` under the service lock. What `f` returns (the handlers it replaced) is dropped
/// after the lock is released, so their finalizers may call back into the service.
fn with_service<R>(
    service: *const hv_http_service,
    f: impl FnOnce(&mut Service) -> R,
) -> hv_status {
    let svc = try_ref!(service);
    let replaced = f(&mut svc.lock().unwrap_or_else(|p| p.into_inner()));
    drop(replaced);
    hv_status::HV_OK
}

/// A new, empty service.
#[no_mangle]
pub extern "C" fn hv_http_service_new() -> *mut hv_http_service {
    ffi_boundary! { box_handle::<hv_http_service>(Mutex::new(Service::default())) }
}

#[no_mangle]
pub extern "C" fn hv_http_service_free(service: *mut hv_http_service) {
    ffi_boundary! { box_free(service) }
}

/// Adds (or replaces) the handler of `method` ("GET", "POST", ..., or "ANY" for HEAD, GET,
/// POST, PUT, DELETE and PATCH) on `path` (literals, `{name}` or `:name` segments, or one `*`).
/// Literal segments win over parameters, parameters over wildcards. `userdata_free` runs when no
/// server or service uses the handler any more.
#[no_mangle]
pub extern "C" fn hv_http_service_add_route(
    service: *const hv_http_service,
    method: *const c_char,
    path: *const c_char,
    cb: hv_http_handler,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let (method, path) = match (opt_str(method), opt_str(path)) {
            (Ok(Some(m)), Ok(Some(p))) => (m, p),
            (Err(s), _) | (_, Err(s)) => return s,
            _ => return hv_status::HV_ERR_NULL_PARAMETER,
        };
        let Some(cb) = cb else { return hv_status::HV_ERR_NULL_PARAMETER };
        let h = handler(cb, data);
        if method.eq_ignore_ascii_case("ANY") {
            return with_service(service, |s| s.route_any(path, h));
        }
        match Method::from_bytes(method.to_ascii_uppercase().as_bytes()) {
            Ok(m) => with_service(service, |s| s.route(m, path, h)),
            Err(_) => {
                set_last_error(format!("bad HTTP method {method:?}"));
                hv_status::HV_ERR_INVALID_ARGUMENT
            }
        }
    }
}

/// Serves the files of `dir` under `location` for GET and HEAD requests no route takes (libhv's
/// `Static`). Paths never leave `dir`: `..`, encoded dots, backslashes and symlinks pointing
/// outside are refused.
#[no_mangle]
pub extern "C" fn hv_http_service_add_static(
    service: *const hv_http_service,
    location: *const c_char,
    dir: *const c_char,
) -> hv_status {
    ffi_boundary! {
        match (opt_str(location), opt_str(dir)) {
            (Ok(Some(l)), Ok(Some(d))) => with_service(service, |s| s.static_files.add(l, std::path::Path::new(d))),
            (Err(s), _) | (_, Err(s)) => s,
            _ => hv_status::HV_ERR_NULL_PARAMETER,
        }
    }
}

/// The file served for a path ending in `/` (default "index.html"), and the prefix under which
/// directories are listed instead (NULL or "": none).
#[no_mangle]
pub extern "C" fn hv_http_service_set_static_options(
    service: *const hv_http_service,
    home_page: *const c_char,
    index_of: *const c_char,
) -> hv_status {
    ffi_boundary! {
        match (opt_str(home_page), opt_str(index_of)) {
            (Ok(h), Ok(i)) => with_service(service, |s| {
                s.static_files.home_page = h.unwrap_or("index.html").to_owned();
                s.static_files.index_of = i.unwrap_or("").to_owned();
            }),
            (Err(s), _) | (_, Err(s)) => s,
        }
    }
}

fn with_text(
    service: *const hv_http_service,
    text: *const c_char,
    f: impl FnOnce(&mut Service, &str),
) -> hv_status {
    match opt_str(text) {
        Ok(Some(t)) => with_service(service, |s| f(s, t)),
        Ok(None) => hv_status::HV_ERR_NULL_PARAMETER,
        Err(st) => st,
    }
}

/// Forwards requests whose target starts with `location` to `url` + the rest of the target
/// (libhv's `Proxy`), before routing. Unreachable upstreams answer 502, slow ones 504.
#[no_mangle]
pub extern "C" fn hv_http_service_add_proxy(
    service: *const hv_http_service,
    location: *const c_char,
    url: *const c_char,
) -> hv_status {
    ffi_boundary! {
        match opt_str(location) {
            Ok(Some(l)) => with_text(service, url, |s, u| s.proxies.add(l, u)),
            Ok(None) => hv_status::HV_ERR_NULL_PARAMETER,
            Err(st) => st,
        }
    }
}

/// Serves absolute-form requests (`GET http://host/...`) for trusted hosts (default off: 403).
#[no_mangle]
pub extern "C" fn hv_http_service_set_forward_proxy(
    service: *const hv_http_service,
    enabled: bool,
) -> hv_status {
    ffi_boundary! { with_service(service, |s| s.proxies.forward_enabled = enabled) }
}

/// Hosts the forward proxy may reach (one `*` allowed); none listed means any host.
#[no_mangle]
pub extern "C" fn hv_http_service_add_trust_proxy(
    service: *const hv_http_service,
    host: *const c_char,
) -> hv_status {
    ffi_boundary! { with_text(service, host, |s, h| s.proxies.trust.push(h.to_owned())) }
}

/// Hosts the forward proxy must not reach, even when trusted.
#[no_mangle]
pub extern "C" fn hv_http_service_add_no_proxy(
    service: *const hv_http_service,
    host: *const c_char,
) -> hv_status {
    ffi_boundary! { with_text(service, host, |s, h| s.proxies.no_proxy.push(h.to_owned())) }
}

/// Upstream connect and answer timeouts in ms (connect default 10000; answer 0 = no limit).
#[no_mangle]
pub extern "C" fn hv_http_service_set_proxy_timeouts(
    service: *const hv_http_service,
    connect_ms: i32,
    read_ms: i32,
) -> hv_status {
    ffi_boundary! {
        with_service(service, |s| {
            s.proxies.connect_timeout = std::time::Duration::from_millis(connect_ms.max(1) as u64);
            s.proxies.read_timeout = std::time::Duration::from_millis(read_ms.max(0) as u64);
        })
    }
}

/// Logs one INFO line per answered request, `[ip:port][METHOD path]=>[code reason]` (default on).
#[no_mangle]
pub extern "C" fn hv_http_service_set_access_log(
    service: *const hv_http_service,
    on: bool,
) -> hv_status {
    ffi_boundary! { with_service(service, |s| s.access_log = on) }
}

/// The pipeline stages a service can have (libhv's names).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum hv_http_stage {
    /// Before routing; a nonzero result ends the pipeline with that result.
    HV_HTTP_PREPROCESSOR = 0,
    /// Appended in order after the preprocessor; a nonzero result ends the pipeline.
    HV_HTTP_MIDDLEWARE = 1,
    /// After the handler; its result is ignored.
    HV_HTTP_POSTPROCESSOR = 2,
    /// Fills the body of an error answer (status >= 400 with no body); result ignored.
    HV_HTTP_ERROR_HANDLER = 3,
    /// Replaces routing and static files: every request that passed the middleware goes here.
    HV_HTTP_PROCESSOR = 4,
}

impl TryFrom<i32> for hv_http_stage {
    type Error = UnknownEnumValue;

    fn try_from(value: i32) -> Result<Self, Self::Error> {
        Ok(match value {
            0 => hv_http_stage::HV_HTTP_PREPROCESSOR,
            1 => hv_http_stage::HV_HTTP_MIDDLEWARE,
            2 => hv_http_stage::HV_HTTP_POSTPROCESSOR,
            3 => hv_http_stage::HV_HTTP_ERROR_HANDLER,
            4 => hv_http_stage::HV_HTTP_PROCESSOR,
            _ => {
                return Err(UnknownEnumValue {
                    type_name: "hv_http_stage",
                    value: i64::from(value),
                })
            }
        })
    }
}

/// Sets (or, for middleware, appends) a pipeline stage; a NULL `cb` clears it. `stage` is an
/// `hv_http_stage` value; any other number is `HV_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn hv_http_service_set_stage(
    service: *const hv_http_service,
    stage: i32,
    cb: hv_http_handler,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let stage = match hv_http_stage::try_from(stage) {
            Ok(stage) => stage,
            Err(e) => return e.report(),
        };
        let h = cb.map(|cb| handler(cb, data));
        with_service(service, |s| {
            let slot = match stage {
                hv_http_stage::HV_HTTP_PREPROCESSOR => &mut s.preprocessor,
                hv_http_stage::HV_HTTP_MIDDLEWARE => {
                    s.middleware.extend(h);
                    return None;
                }
                hv_http_stage::HV_HTTP_POSTPROCESSOR => &mut s.postprocessor,
                hv_http_stage::HV_HTTP_ERROR_HANDLER => &mut s.error_handler,
                hv_http_stage::HV_HTTP_PROCESSOR => &mut s.processor,
            };
            std::mem::replace(slot, h)
        })
    }
}

pub(super) fn out_str(s: &[u8], len: *mut usize) -> *const c_char {
    // SAFETY: a non-NULL out pointer is writable, per each function's documented contract.
    if let Some(l) = unsafe { len.as_mut() } {
        *l = s.len();
    }
    s.as_ptr() as *const c_char
}

pub(super) fn null_str(len: *mut usize) -> *const c_char {
    // SAFETY: as in `out_str`.
    if let Some(l) = unsafe { len.as_mut() } {
        *l = 0;
    }
    std::ptr::null()
}

/// Writes one name/value pair to the optional out-parameters; false when there is none.
pub(super) fn out_pair(
    pair: Option<(&[u8], &[u8])>,
    name: *mut *const c_char,
    name_len: *mut usize,
    value: *mut *const c_char,
    value_len: *mut usize,
) -> bool {
    let Some((n, v)) = pair else { return false };
    let (np, vp) = (out_str(n, name_len), out_str(v, value_len));
    // SAFETY: non-NULL out pointers are writable, per each function's documented contract.
    unsafe {
        if let Some(p) = name.as_mut() {
            *p = np;
        }
        if let Some(p) = value.as_mut() {
            *p = vp;
        }
    }
    true
}

/// "GET", "POST", ...: `*len` gets the length (strings from requests are not NUL-terminated;
/// each stays valid while the request is handled).
#[no_mangle]
pub extern "C" fn hv_http_request_method(
    req: *const hv_http_request,
    len: *mut usize,
) -> *const c_char {
    ffi_boundary! { out_str(try_ref!(req, null_str(len)).method.as_str().as_bytes(), len) }
}

/// The target as sent, query included (libhv's `req->path`), e.g. "/user/7?x=1".
#[no_mangle]
pub extern "C" fn hv_http_request_path(
    req: *const hv_http_request,
    len: *mut usize,
) -> *const c_char {
    ffi_boundary! { out_str(try_ref!(req, null_str(len)).target().as_bytes(), len) }
}

/// The absolute URL, e.g. "http://host:8080/user/7?x=1" (libhv's `req->url`).
#[no_mangle]
pub extern "C" fn hv_http_request_url(
    req: *const hv_http_request,
    len: *mut usize,
) -> *const c_char {
    ffi_boundary! { out_str(try_ref!(req, null_str(len)).url.as_bytes(), len) }
}

/// 10, 11 or 20 for HTTP/1.0, 1.1, 2 (0 for NULL).
#[no_mangle]
pub extern "C" fn hv_http_request_version(req: *const hv_http_request) -> i32 {
    ffi_boundary! {
        match try_ref!(req, 0).version {
            hyper::Version::HTTP_10 => 10,
            hyper::Version::HTTP_2 => 20,
            hyper::Version::HTTP_3 => 30,
            hyper::Version::HTTP_09 => 9,
            _ => 11,
        }
    }
}

/// The first value of header `name` (case-insensitive), or NULL when absent.
#[no_mangle]
pub extern "C" fn hv_http_request_header(
    req: *const hv_http_request,
    name: *const c_char,
    len: *mut usize,
) -> *const c_char {
    ffi_boundary! {
        let r = try_ref!(req, null_str(len));
        match opt_str(name) {
            Ok(Some(n)) => r.headers.get(n).map_or_else(|| null_str(len), |v| out_str(v.as_bytes(), len)),
            _ => null_str(len),
        }
    }
}

#[no_mangle]
pub extern "C" fn hv_http_request_header_count(req: *const hv_http_request) -> usize {
    ffi_boundary! { try_ref!(req, 0).headers.len() }
}

/// Header `idx` (0-based, in arrival order per name): name and value with their lengths.
/// False when out of range.
#[no_mangle]
pub extern "C" fn hv_http_request_header_at(
    req: *const hv_http_request,
    idx: usize,
    name: *mut *const c_char,
    name_len: *mut usize,
    value: *mut *const c_char,
    value_len: *mut usize,
) -> bool {
    ffi_boundary! {
        let r = try_ref!(req, false);
        out_pair(r.headers.iter().nth(idx).map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes())), name, name_len, value, value_len)
    }
}

/// Receives one name/value pair, not NUL-terminated, valid during the call. `staged` is
/// `hv_http_response_header_is_staged` for a response header, false for other pairs. It must
/// not unwind and must not change the request or response it is iterating.
pub type hv_http_pair_cb = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        name: *const c_char,
        name_len: usize,
        value: *const c_char,
        value_len: usize,
        staged: bool,
    ),
>;

/// Calls `cb` for every pair, in order; returns how many there were.
fn each_pair<'a>(
    pairs: impl Iterator<Item = (&'a [u8], &'a [u8], bool)>,
    cb: hv_http_pair_cb,
    userdata: *mut c_void,
) -> usize {
    let Some(cb) = cb else { return 0 };
    let mut n = 0;
    for (name, value, staged) in pairs {
        // SAFETY: the caller passed `cb` for `userdata`; the pointers and lengths describe
        // live bytes that stay unchanged during the call.
        unsafe {
            cb(
                userdata,
                name.as_ptr() as *const c_char,
                name.len(),
                value.as_ptr() as *const c_char,
                value.len(),
                staged,
            )
        };
        n += 1;
    }
    n
}

/// Calls `cb` for every request header, in arrival order per name: the whole list in one
/// walk (the `_count` / `_at` pair walks to each index). Returns the number of headers; 0 for
/// a NULL request or callback. The request is borrowed by the caller (it runs in a handler).
#[no_mangle]
pub extern "C" fn hv_http_request_for_each_header(
    req: *const hv_http_request,
    cb: hv_http_pair_cb,
    userdata: *mut c_void,
) -> usize {
    ffi_boundary! {
        let r = try_ref!(req, 0);
        each_pair(r.headers.iter().map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes(), false)), cb, userdata)
    }
}

/// Calls `cb` for every parameter, as `hv_http_request_param_at` numbers them (query
/// parameters, then route parameters). Returns their number; 0 for NULL.
#[no_mangle]
pub extern "C" fn hv_http_request_for_each_param(
    req: *const hv_http_request,
    cb: hv_http_pair_cb,
    userdata: *mut c_void,
) -> usize {
    ffi_boundary! {
        let r = try_ref!(req, 0);
        each_pair(r.params.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes(), false)), cb, userdata)
    }
}

/// The whole body (read before the handler runs; at most 16 MiB).
#[no_mangle]
pub extern "C" fn hv_http_request_body(req: *const hv_http_request, len: *mut usize) -> *const u8 {
    ffi_boundary! { out_str(&try_ref!(req, null_str(len) as *const u8).body, len) as *const u8 }
}

/// A query or route parameter (route parameters win), decoded; NULL when absent.
#[no_mangle]
pub extern "C" fn hv_http_request_param(
    req: *const hv_http_request,
    name: *const c_char,
    len: *mut usize,
) -> *const c_char {
    ffi_boundary! {
        let r = try_ref!(req, null_str(len));
        match opt_str(name) {
            Ok(Some(n)) => r.param(n).map_or_else(|| null_str(len), |v| out_str(v.as_bytes(), len)),
            _ => null_str(len),
        }
    }
}

#[no_mangle]
pub extern "C" fn hv_http_request_param_count(req: *const hv_http_request) -> usize {
    ffi_boundary! { try_ref!(req, 0).params.len() }
}

/// Parameter `idx` (query parameters, then route parameters). False when out of range.
#[no_mangle]
pub extern "C" fn hv_http_request_param_at(
    req: *const hv_http_request,
    idx: usize,
    name: *mut *const c_char,
    name_len: *mut usize,
    value: *mut *const c_char,
    value_len: *mut usize,
) -> bool {
    ffi_boundary! {
        let r = try_ref!(req, false);
        out_pair(r.params.get(idx).map(|(n, v)| (n.as_bytes(), v.as_bytes())), name, name_len, value, value_len)
    }
}

/// Writes the client's "ip:port" into `buf` (NUL-terminated, truncated); returns its length.
#[no_mangle]
pub extern "C" fn hv_http_request_client_addr(
    req: *const hv_http_request,
    buf: *mut c_char,
    len: usize,
) -> usize {
    ffi_boundary! {
        let mut text = [0u8; crate::addr_text::SOCKET_ADDR_MAX];
        let n = crate::addr_text::socket_addr(&mut text, try_ref!(req, copy_c_string(b"", buf, len)).client_addr);
        copy_c_string(&text[..n], buf, len)
    }
}

/// The subject of the certificate the client presented over TLS (verified against the
/// server's `ca_file`, so only with `verify_peer`), e.g. "CN=alice, O=Example"; NULL with
/// `*len` 0 without one. Valid while the request is handled; not NUL-terminated.
#[no_mangle]
pub extern "C" fn hv_http_request_client_cert_subject(
    req: *const hv_http_request,
    len: *mut usize,
) -> *const c_char {
    ffi_boundary! {
        match &try_ref!(req, null_str(len)).client_cert {
            Some(cert) => out_str(cert.subject.as_bytes(), len),
            None => null_str(len),
        }
    }
}

/// The DER bytes of the client's certificate (as for the subject); NULL with `*len` 0 without.
#[no_mangle]
pub extern "C" fn hv_http_request_client_cert_der(
    req: *const hv_http_request,
    len: *mut usize,
) -> *const u8 {
    ffi_boundary! {
        match &try_ref!(req, null_str(len) as *const u8).client_cert {
            Some(cert) => out_str(&cert.der, len) as *const u8,
            None => null_str(len) as *const u8,
        }
    }
}

/// Keeps `userdata` with the request until it is answered (`userdata_free` then runs, on the
/// loop thread). Replaces (and frees) an earlier one.
#[no_mangle]
pub extern "C" fn hv_http_request_set_userdata(
    req: *mut hv_http_request,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! {
        let data = ForeignData::owned(userdata, userdata_free);
        // SAFETY: a non-NULL request pointer is the handler's, exclusively, during its call.
        let Some(r) = (unsafe { (req as *mut Request).as_mut() }) else { return hv_status::HV_ERR_NULL_PARAMETER };
        r.attachment = Some(Box::new(data));
        hv_status::HV_OK
    }
}

/// The request's userdata, or NULL.
#[no_mangle]
pub extern "C" fn hv_http_request_userdata(req: *const hv_http_request) -> *mut c_void {
    ffi_boundary! {
        try_ref!(req, std::ptr::null_mut())
            .attachment
            .as_deref()
            .and_then(|a| a.downcast_ref::<ForeignData>())
            .map_or(std::ptr::null_mut(), |d| d.ptr)
    }
}

fn resp_mut<'a>(resp: *mut hv_http_response) -> Option<&'a mut Response> {
    // SAFETY: a non-NULL response pointer is the handler's, exclusively, during its call.
    unsafe { (resp as *mut Response).as_mut() }
}

/// 100..=999; anything else is `HV_ERR_INVALID_ARGUMENT`.
#[no_mangle]
pub extern "C" fn hv_http_response_set_status(
    resp: *mut hv_http_response,
    status: i32,
) -> hv_status {
    ffi_boundary! {
        let Some(r) = resp_mut(resp) else { return hv_status::HV_ERR_NULL_PARAMETER };
        status_of(r.set_status(status))
    }
}

#[no_mangle]
pub extern "C" fn hv_http_response_status(resp: *const hv_http_response) -> i32 {
    ffi_boundary! { i32::from(try_ref!(resp, 0).status) }
}

fn header_args<'a>(
    name: *const c_char,
    value: *const c_char,
) -> Result<(&'a str, &'a [u8]), hv_status> {
    match (opt_str(name)?, value.is_null()) {
        (Some(n), false) => {
            // SAFETY: a non-NULL value is a NUL-terminated string valid for the call.
            let v = unsafe { std::ffi::CStr::from_ptr(value) };
            Ok((n, v.to_bytes()))
        }
        _ => Err(hv_status::HV_ERR_NULL_PARAMETER),
    }
}

/// Sets a header (replacing its values); CR, LF or NUL in it is `HV_ERR_INVALID_ARGUMENT`.
/// `name` and `value` are NUL-terminated strings, copied before the headers change; the
/// strings of `hv_http_response_header_at` are not terminated, so pass a terminated copy.
#[no_mangle]
pub extern "C" fn hv_http_response_set_header(
    resp: *mut hv_http_response,
    name: *const c_char,
    value: *const c_char,
) -> hv_status {
    ffi_boundary! {
        let Some(r) = resp_mut(resp) else { return hv_status::HV_ERR_NULL_PARAMETER };
        match header_args(name, value) {
            Ok((n, v)) => status_of(r.set_header(n, v)),
            Err(s) => s,
        }
    }
}

/// Adds one more value for a header (e.g. `Set-Cookie`); the strings are taken as by
/// `hv_http_response_set_header`.
#[no_mangle]
pub extern "C" fn hv_http_response_add_header(
    resp: *mut hv_http_response,
    name: *const c_char,
    value: *const c_char,
) -> hv_status {
    ffi_boundary! {
        let Some(r) = resp_mut(resp) else { return hv_status::HV_ERR_NULL_PARAMETER };
        match header_args(name, value) {
            Ok((n, v)) => status_of(r.add_header(n, v)),
            Err(s) => s,
        }
    }
}

#[no_mangle]
pub extern "C" fn hv_http_response_header_count(resp: *const hv_http_response) -> usize {
    ffi_boundary! { try_ref!(resp, 0).headers.len() }
}

/// Response header `idx` (0-based): name and value with their lengths (not NUL-terminated;
/// valid until the headers change). False when out of range.
#[no_mangle]
pub extern "C" fn hv_http_response_header_at(
    resp: *const hv_http_response,
    idx: usize,
    name: *mut *const c_char,
    name_len: *mut usize,
    value: *mut *const c_char,
    value_len: *mut usize,
) -> bool {
    ffi_boundary! {
        let r = try_ref!(resp, false);
        out_pair(r.headers.iter().nth(idx).map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes())), name, name_len, value, value_len)
    }
}

/// Calls `cb` for every response header, in `hv_http_response_header_at` order, with
/// `staged` set for those of the last stage report. Returns their number; 0 for NULL.
#[no_mangle]
pub extern "C" fn hv_http_response_for_each_header(
    resp: *const hv_http_response,
    cb: hv_http_pair_cb,
    userdata: *mut c_void,
) -> usize {
    ffi_boundary! {
        let r = try_ref!(resp, 0);
        each_pair(r.headers.iter().map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes(), r.is_staged(n))), cb, userdata)
    }
}

/// The body set so far (valid until the response changes; it may be passed back to
/// `hv_http_response_set_body` or `hv_http_response_append_body`).
#[no_mangle]
pub extern "C" fn hv_http_response_body(
    resp: *const hv_http_response,
    len: *mut usize,
) -> *const u8 {
    ffi_boundary! { out_str(&try_ref!(resp, null_str(len) as *const u8).body, len) as *const u8 }
}

/// Removes every header set so far.
#[no_mangle]
pub extern "C" fn hv_http_response_clear_headers(resp: *mut hv_http_response) {
    ffi_boundary! {
        if let Some(r) = resp_mut(resp) {
            r.clear_headers();
        }
    }
}

/// For a pipeline stage that keeps its own copy of the response (the C++ headers'
/// `HttpResponse`, which lives across stages): reports all of that copy's headers, `n` pairs of
/// NUL-terminated strings (borrowed for the call). They replace the headers of the stage's
/// previous report and override pipeline headers of the same name; headers the pipeline set
/// itself (a static file's Content-Type, ETag, Last-Modified, Accept-Ranges; Allow; an error
/// page's Content-Type) stay when the stage does not name them. A repeated name adds a value.
/// An invalid pair (NULL, CR, LF or NUL) is dropped and the result is
/// `HV_ERR_INVALID_ARGUMENT` (the names are in `hv_last_error`); the valid pairs still apply.
/// `names` and `values` may be NULL when `n` is 0.
#[no_mangle]
pub extern "C" fn hv_http_response_report_stage_headers(
    resp: *mut hv_http_response,
    names: *const *const c_char,
    values: *const *const c_char,
    n: usize,
) -> hv_status {
    ffi_boundary! {
        let Some(r) = resp_mut(resp) else { return hv_status::HV_ERR_NULL_PARAMETER };
        if n > 0 && (names.is_null() || values.is_null()) {
            return hv_status::HV_ERR_NULL_PARAMETER;
        }
        let mut dropped = Vec::new();
        let headers = (0..n).filter_map(|i| {
            // SAFETY: `names` and `values` are non-NULL here and hold `n` pointers each, per
            // this function's contract.
            let (name, value) = unsafe { (*names.add(i), *values.add(i)) };
            match header_args(name, value).map(|(k, v)| crate::http::message::header(k, v)) {
                Ok(Ok(pair)) => return Some(pair),
                Ok(Err(_)) => dropped.push(opt_str(name).ok().flatten().unwrap_or("?").to_owned()),
                Err(_) => dropped.push("?".to_owned()),
            }
            None
        });
        r.report_stage_headers(headers);
        if dropped.is_empty() {
            hv_status::HV_OK
        } else {
            set_last_error(format!("invalid response headers dropped: {}", dropped.join(", ")));
            hv_status::HV_ERR_INVALID_ARGUMENT
        }
    }
}

/// Whether response header `idx` (as numbered by `hv_http_response_header_at`) came from the
/// last `hv_http_response_report_stage_headers` rather than from the pipeline: such a stage
/// already holds it and should not take it back. False for a NULL response or out of range.
#[no_mangle]
pub extern "C" fn hv_http_response_header_is_staged(
    resp: *const hv_http_response,
    idx: usize,
) -> bool {
    ffi_boundary! {
        let r = try_ref!(resp, false);
        r.headers.iter().nth(idx).is_some_and(|(name, _)| r.is_staged(name))
    }
}

/// Where `len` bytes at `data` lie relative to the response body.
enum BodySource {
    /// Outside the body's allocation: safe to read while the body changes.
    Foreign,
    /// These bytes of the body itself (a pointer from `hv_http_response_body`).
    Body(std::ops::Range<usize>),
}

/// Compares addresses only: a slice over the body must not be formed while the body is
/// changed through `&mut`, and appending may reallocate it under the caller's pointer. A range
/// that overlaps the allocation without lying within the current bytes is refused.
fn body_source(
    body: &[u8],
    capacity: usize,
    data: *const c_void,
    len: usize,
) -> Result<BodySource, hv_status> {
    let base = body.as_ptr() as usize;
    let from = data as usize;
    let Some(to) = from.checked_add(len) else {
        set_last_error("data + len overflows");
        return Err(hv_status::HV_ERR_INVALID_ARGUMENT);
    };
    if len == 0 || capacity == 0 || to <= base || from >= base + capacity {
        return Ok(BodySource::Foreign);
    }
    if from >= base && to <= base + body.len() {
        return Ok(BodySource::Body(from - base..to - base));
    }
    set_last_error("data overlaps the response body but is not within its current bytes");
    Err(hv_status::HV_ERR_INVALID_ARGUMENT)
}

/// Replaces the body with a copy of `len` bytes. `data` may point into the body itself (from
/// `hv_http_response_body`): that part of it is kept.
#[no_mangle]
pub extern "C" fn hv_http_response_set_body(
    resp: *mut hv_http_response,
    data: *const c_void,
    len: usize,
) -> hv_status {
    ffi_boundary! {
        let Some(r) = resp_mut(resp) else { return hv_status::HV_ERR_NULL_PARAMETER };
        match body_source(&r.body, r.body.capacity(), data, len) {
            Err(status) => status,
            Ok(BodySource::Body(range)) => {
                r.body.truncate(range.end);
                r.body.drain(..range.start);
                hv_status::HV_OK
            }
            Ok(BodySource::Foreign) => {
                let Some(data) = bytes(data, len) else { return hv_status::HV_ERR_NULL_PARAMETER };
                if r.body.capacity() == 0 {
                    // Exactly as long as its bytes, the body becomes the answer's without
                    // another allocation.
                    r.body = data.to_vec();
                } else {
                    r.body.clear();
                    r.body.extend_from_slice(data);
                }
                hv_status::HV_OK
            }
        }
    }
}

/// Appends a copy of `len` bytes to the body. `data` may point into the body itself (from
/// `hv_http_response_body`): those bytes are copied from where the body has moved to.
#[no_mangle]
pub extern "C" fn hv_http_response_append_body(
    resp: *mut hv_http_response,
    data: *const c_void,
    len: usize,
) -> hv_status {
    ffi_boundary! {
        let Some(r) = resp_mut(resp) else { return hv_status::HV_ERR_NULL_PARAMETER };
        match body_source(&r.body, r.body.capacity(), data, len) {
            Err(status) => status,
            Ok(BodySource::Body(range)) => {
                r.body.extend_from_within(range);
                hv_status::HV_OK
            }
            Ok(BodySource::Foreign) => {
                let Some(data) = bytes(data, len) else { return hv_status::HV_ERR_NULL_PARAMETER };
                r.body.extend_from_slice(data);
                hv_status::HV_OK
            }
        }
    }
}

/// Another reference to the writer (from a handler's borrowed one); free it when done.
#[no_mangle]
pub extern "C" fn hv_http_writer_clone(writer: *const hv_http_writer) -> *const hv_http_writer {
    ffi_boundary! { arc_clone(writer).map_or(std::ptr::null(), super::boundary::arc_handle::<hv_http_writer>) }
}

/// Drops a reference; the last one finishes a response that was never ended.
#[no_mangle]
pub extern "C" fn hv_http_writer_free(writer: *const hv_http_writer) {
    ffi_boundary! { arc_free(writer) }
}

fn writer_op(
    writer: *const hv_http_writer,
    f: impl FnOnce(&Writer) -> crate::Result<()>,
) -> hv_status {
    let w = try_ref!(writer);
    match f(w) {
        Ok(()) => hv_status::HV_OK,
        Err(e) => fail(e),
    }
}

/// Before the head is sent: sets the status. `HV_ERR_STATE` afterwards.
#[no_mangle]
pub extern "C" fn hv_http_writer_set_status(
    writer: *const hv_http_writer,
    status: i32,
) -> hv_status {
    ffi_boundary! { writer_op(writer, |w| w.set_status(status)) }
}

/// Before the head is sent: sets a header (replacing its values).
#[no_mangle]
pub extern "C" fn hv_http_writer_set_header(
    writer: *const hv_http_writer,
    name: *const c_char,
    value: *const c_char,
) -> hv_status {
    ffi_boundary! {
        match header_args(name, value) {
            Ok((n, v)) => writer_op(writer, |w| w.set_header(n, v)),
            Err(s) => s,
        }
    }
}

/// Before the head is sent: adds one more value for a header (e.g. `Set-Cookie`).
#[no_mangle]
pub extern "C" fn hv_http_writer_add_header(
    writer: *const hv_http_writer,
    name: *const c_char,
    value: *const c_char,
) -> hv_status {
    ffi_boundary! {
        match header_args(name, value) {
            Ok((n, v)) => writer_op(writer, |w| w.add_header(n, v)),
            Err(s) => s,
        }
    }
}

/// Before the head is sent: removes every header set so far (including those a preprocessor
/// or middleware set before the handler ran).
#[no_mangle]
pub extern "C" fn hv_http_writer_clear_headers(writer: *const hv_http_writer) -> hv_status {
    ffi_boundary! { writer_op(writer, Writer::clear_headers) }
}

/// Sends the head now; later writes are streamed (chunked on HTTP/1.1).
#[no_mangle]
pub extern "C" fn hv_http_writer_end_headers(writer: *const hv_http_writer) -> hv_status {
    ffi_boundary! { writer_op(writer, Writer::end_headers) }
}

/// Buffers (before the head is sent) or streams `len` bytes. `HV_ERR_CLOSED` once finished or
/// when the client is gone.
#[no_mangle]
pub extern "C" fn hv_http_writer_write(
    writer: *const hv_http_writer,
    data: *const c_void,
    len: usize,
) -> hv_status {
    ffi_boundary! {
        let Some(data) = bytes(data, len) else { return hv_status::HV_ERR_NULL_PARAMETER };
        writer_op(writer, |w| w.write(data))
    }
}

/// Finishes the response (idempotent): whole if nothing was sent yet, else the stream ends.
#[no_mangle]
pub extern "C" fn hv_http_writer_end(writer: *const hv_http_writer) -> hv_status {
    ffi_boundary! { writer_op(writer, Writer::end) }
}

/// True while the response is unfinished and the client is still there.
#[no_mangle]
pub extern "C" fn hv_http_writer_is_connected(writer: *const hv_http_writer) -> bool {
    ffi_boundary! { try_ref!(writer, false).is_connected() }
}

/// A new server: HTTP on an ephemeral port until `hv_http_server_set_ports`, one worker loop.
#[no_mangle]
pub extern "C" fn hv_http_server_new() -> *mut hv_http_server {
    ffi_boundary! { box_handle::<hv_http_server>(HttpServer::new()) }
}

/// Stops (closing every connection) and frees. Not from a handler.
#[no_mangle]
pub extern "C" fn hv_http_server_free(server: *mut hv_http_server) {
    ffi_boundary! { box_free(server) }
}

/// Copies the service's routes and stages into the server, before start or while it runs: the
/// next request (on any connection) uses the copy, with no lock on the request path. The
/// previous copy's `userdata_free`s run once the last request using it has finished, on the
/// thread that drops it.
#[no_mangle]
pub extern "C" fn hv_http_server_set_service(
    server: *const hv_http_server,
    service: *const hv_http_service,
) -> hv_status {
    ffi_boundary! {
        let srv = try_ref!(server);
        let svc = try_ref!(service);
        // Copied in a statement of its own: the service lock is released before the server
        // drops its old service (whose finalizers may call back into this service).
        let copy = svc.lock().unwrap_or_else(|p| p.into_inner()).clone();
        srv.set_service(copy);
        hv_status::HV_OK
    }
}

/// The address to listen on (NULL = "0.0.0.0").
#[no_mangle]
pub extern "C" fn hv_http_server_set_host(
    server: *const hv_http_server,
    host: *const c_char,
) -> hv_status {
    ffi_boundary! {
        let srv = try_ref!(server);
        match opt_str(host) {
            Ok(h) => {
                srv.set_host(h.unwrap_or("0.0.0.0"));
                hv_status::HV_OK
            }
            Err(s) => s,
        }
    }
}

/// HTTP and HTTPS ports (0 = that listener off; both 0 = HTTP on an ephemeral port).
#[no_mangle]
pub extern "C" fn hv_http_server_set_ports(
    server: *const hv_http_server,
    port: i32,
    https_port: i32,
) -> hv_status {
    ffi_boundary! {
        let srv = try_ref!(server);
        match (u16::try_from(port), u16::try_from(https_port)) {
            (Ok(p), Ok(tp)) => {
                srv.set_ports(p, tp);
                hv_status::HV_OK
            }
            _ => hv_status::HV_ERR_INVALID_ARGUMENT,
        }
    }
}

/// Worker loops (0 means 1).
#[no_mangle]
pub extern "C" fn hv_http_server_set_thread_num(server: *const hv_http_server, num: i32) {
    ffi_boundary! { try_ref!(server, ()).set_thread_num(num.max(0) as usize) }
}

/// Connections per worker loop (default 1024); more are closed at accept.
#[no_mangle]
pub extern "C" fn hv_http_server_set_worker_connections(server: *const hv_http_server, num: u32) {
    ffi_boundary! { try_ref!(server, ()).set_worker_connections(num) }
}

/// How long an idle keep-alive connection (or a slow request head) may wait (default 75000).
#[no_mangle]
pub extern "C" fn hv_http_server_set_keepalive_timeout(server: *const hv_http_server, ms: i32) {
    ffi_boundary! { try_ref!(server, ()).set_keepalive_timeout(ms.max(1) as u32) }
}

/// Sets one hardening knob by name from its text form, as the README's table lists them
/// (`"head_timeout_ms"`, `"10000"`); it applies from the next start, and an `HV_` environment
/// variable of the same knob wins over it. Both strings are read during the call only. An
/// unknown name or an unparseable value is `HV_ERR_INVALID_ARGUMENT`, described by
/// `hv_last_error`.
#[no_mangle]
pub extern "C" fn hv_http_server_set_option(
    server: *const hv_http_server,
    name: *const c_char,
    value: *const c_char,
) -> hv_status {
    ffi_boundary! {
        let srv = try_ref!(server);
        match (required_str(name, "the option name"), required_str(value, "the option value")) {
            (Ok(n), Ok(v)) => status_of(srv.set_option(n, v)),
            (Err(s), _) | (_, Err(s)) => s,
        }
    }
}

/// Default certificate for the HTTPS listener (PEM files, read now and again by
/// `hv_http_server_reload_tls`; the strings are copied). `verify_peer` with `ca_file` requires
/// client certificates. NULL turns TLS off. A bad file is `HV_ERR_TLS_CONFIG`, described by
/// `hv_last_error`.
#[no_mangle]
pub extern "C" fn hv_http_server_set_tls(
    server: *const hv_http_server,
    options: *const hv_tls_options,
) -> hv_status {
    ffi_boundary! {
        let srv = try_ref!(server);
        match tls_arg(options) {
            Ok(opts) => status_of(srv.set_tls_files(opts)),
            Err(status) => status,
        }
    }
}

/// Serves the certificate of `options` (its `crt_file` and `key_file`; the other fields come
/// from the default) to clients asking for `hostname` by SNI (`"*.example.com"` covers one
/// label), before start or while running; other clients get the default certificate, which
/// `hv_http_server_set_tls` must have set first. Strings are copied. A bad file is
/// `HV_ERR_TLS_CONFIG` and changes nothing.
#[no_mangle]
pub extern "C" fn hv_http_server_add_sni_cert(
    server: *const hv_http_server,
    hostname: *const c_char,
    options: *const hv_tls_options,
) -> hv_status {
    ffi_boundary! {
        let srv = try_ref!(server);
        match sni_cert_args(hostname, options) {
            Ok((host, opts)) => status_of(srv.add_sni_cert(host, opts)),
            Err(s) => s,
        }
    }
}

/// Reads every certificate and key file again (the default and each SNI one) and serves them
/// from the next handshake; open connections keep going. Any thread, also while running. On
/// an unreadable or mismatched file the old certificates stay and the result is
/// `HV_ERR_TLS_CONFIG`, described by `hv_last_error`.
#[no_mangle]
pub extern "C" fn hv_http_server_reload_tls(server: *const hv_http_server) -> hv_status {
    ffi_boundary! { status_of(try_ref!(server).reload_tls()) }
}

/// Runs `on_start(userdata, loop)` first on each worker loop and `on_stop(userdata, loop)` on its
/// thread after the loop exits (libhv's `onWorkerStart` / `onWorkerStop`). Call before start.
/// `userdata_free` runs after the last worker stopped.
#[no_mangle]
pub extern "C" fn hv_http_server_set_worker_hooks(
    server: *const hv_http_server,
    on_start: hv_post_cb,
    on_stop: hv_post_cb,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let srv = try_ref!(server);
        srv.set_worker_hooks(Arc::new(move |el: &Arc<EventLoop>, starting: bool| {
            if let Some(f) = if starting { on_start } else { on_stop } {
                // SAFETY: the caller registered these callbacks for this userdata; the loop
                // outlives the call.
                unsafe { f(data.ptr, borrowed_handle::<hv_loop>(el)) }
            }
        }));
        hv_status::HV_OK
    }
}

/// One answered (or dropped) request, as `hv_http_server_set_access_log_callback` reports it.
/// Every string is NUL-terminated and valid only during the callback; absent headers are "".
#[repr(C)]
pub struct hv_access_log_entry {
    /// The default line: combined log format, then the duration in seconds and the TLS
    /// version ("-" for plain HTTP).
    pub line: *const c_char,
    /// The client as handlers see it (after a PROXY header or a trusted proxy's header).
    pub client_ip: *const c_char,
    /// 0 when the client came from a forwarding header without a port.
    pub client_port: u16,
    pub method: *const c_char,
    /// Path and query as sent.
    pub target: *const c_char,
    /// 444 for a request dropped without an answer by the policy.
    pub status: i32,
    /// Response body bytes, -1 when not known before it was sent (a streamed body).
    pub bytes: i64,
    /// From the request head to the response head.
    pub duration_us: u64,
    /// "TLSv1.3", "TLSv1.2", or "" for plain HTTP.
    pub tls_version: *const c_char,
    pub referer: *const c_char,
    pub user_agent: *const c_char,
}

/// Runs on the worker loop thread that served the request, once its response head is ready.
pub type hv_access_log_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, entry: *const hv_access_log_entry)>;

/// Text for C, with any NUL (which hyper does not let into these fields) cut off there.
fn c_text(s: &str) -> std::ffi::CString {
    let end = s.find('\0').unwrap_or(s.len());
    std::ffi::CString::new(&s[..end]).unwrap_or_default()
}

/// Calls `cb(userdata, entry)` for every request from the next start that reached the client
/// policy (not those the HTTP/1 framing and limit checks refuse first); NULL `cb` removes the
/// callback. `userdata_free(userdata)` runs when the callback is replaced or the server freed
/// (at once when `cb` is NULL).
/// Independent of the service's `hv_http_service_set_access_log` (libhv's INFO line).
#[no_mangle]
pub extern "C" fn hv_http_server_set_access_log_callback(
    server: *const hv_http_server,
    cb: hv_access_log_cb,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let srv = try_ref!(server);
        let Some(cb) = cb else {
            srv.set_access_log(None);
            return hv_status::HV_OK;
        };
        srv.set_access_log(Some(Arc::new(move |r: &crate::http::AccessRecord<'_>| {
            let line = c_text(&r.line());
            let ip = c_text(&r.client.ip().to_string());
            let (method, target) = (c_text(r.method), c_text(r.target));
            let tls = c_text(r.tls_version.unwrap_or(""));
            let referer = c_text(r.referer.unwrap_or(""));
            let user_agent = c_text(r.user_agent.unwrap_or(""));
            let entry = hv_access_log_entry {
                line: line.as_ptr(),
                client_ip: ip.as_ptr(),
                client_port: r.client.port(),
                method: method.as_ptr(),
                target: target.as_ptr(),
                status: i32::from(r.status),
                bytes: r.bytes.and_then(|b| i64::try_from(b).ok()).unwrap_or(-1),
                duration_us: u64::try_from(r.duration.as_micros()).unwrap_or(u64::MAX),
                tls_version: tls.as_ptr(),
                referer: referer.as_ptr(),
                user_agent: user_agent.as_ptr(),
            };
            // SAFETY: the caller registered `cb` for this userdata; `entry` and the strings it
            // points to live until the call returns.
            unsafe { cb(data.ptr, &entry) }
        })));
        hv_status::HV_OK
    }
}

/// Binds and starts the worker loops; returns once they accept.
#[no_mangle]
pub extern "C" fn hv_http_server_start(server: *const hv_http_server) -> hv_status {
    ffi_boundary! { status_of(try_ref!(server).start()) }
}

/// Blocks until another thread stops the server.
#[no_mangle]
pub extern "C" fn hv_http_server_wait(server: *const hv_http_server) {
    ffi_boundary! { try_ref!(server, ()).wait() }
}

/// Closes the listening sockets (new connections are refused) and keeps serving the open
/// connections; `hv_http_server_stop` or `hv_http_server_graceful_stop` ends them later.
#[no_mangle]
pub extern "C" fn hv_http_server_stop_accept(server: *const hv_http_server) {
    ffi_boundary! { try_ref!(server, ()).stop_accept() }
}

/// Stops accepting, lets each connection finish its current request for up to `timeout_ms`
/// (keep-alive connections close after their response; HTTP/2 ones get GOAWAY), then stops as
/// `hv_http_server_stop` does, closing what is left. Blocks until then. Not from a handler.
#[no_mangle]
pub extern "C" fn hv_http_server_graceful_stop(server: *const hv_http_server, timeout_ms: i32) {
    ffi_boundary! {
        let timeout = std::time::Duration::from_millis(timeout_ms.max(0) as u64);
        try_ref!(server, ()).graceful_stop(timeout)
    }
}

/// Stops and closes every connection; returns when the loops have exited. Not from a handler.
#[no_mangle]
pub extern "C" fn hv_http_server_stop(server: *const hv_http_server) {
    ffi_boundary! { try_ref!(server, ()).stop() }
}

/// The bound port of the HTTP (`tls` false) or HTTPS listener, or -1.
#[no_mangle]
pub extern "C" fn hv_http_server_port(server: *const hv_http_server, tls: bool) -> i32 {
    ffi_boundary! {
        try_ref!(server, -1).bound().iter().find(|(_, t)| *t == tls).map_or(-1, |(a, _)| i32::from(a.port()))
    }
}

#[no_mangle]
pub extern "C" fn hv_http_server_connection_num(server: *const hv_http_server) -> usize {
    ffi_boundary! { try_ref!(server, 0).connection_num() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_sources_are_told_apart_by_address() {
        let mut body = Vec::with_capacity(16);
        body.extend_from_slice(b"0123456789");
        let at = |i: usize| body.as_ptr().wrapping_add(i) as *const c_void;
        let src = |p, len| body_source(&body, body.capacity(), p, len);
        assert!(matches!(src(at(2), 3), Ok(BodySource::Body(r)) if r == (2..5)));
        assert!(matches!(src(at(0), 10), Ok(BodySource::Body(r)) if r == (0..10)));
        let other = [0u8; 4];
        assert!(matches!(
            src(other.as_ptr() as *const c_void, 4),
            Ok(BodySource::Foreign)
        ));
        assert!(matches!(src(at(3), 0), Ok(BodySource::Foreign)));
        assert!(matches!(src(std::ptr::null(), 0), Ok(BodySource::Foreign)));
        assert_eq!(
            src(at(8), 4).err(),
            Some(hv_status::HV_ERR_INVALID_ARGUMENT),
            "past the current bytes, into the spare capacity"
        );
        assert_eq!(
            src(usize::MAX as *const c_void, 2).err(),
            Some(hv_status::HV_ERR_INVALID_ARGUMENT)
        );
    }
}
