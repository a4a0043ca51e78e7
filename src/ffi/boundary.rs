//! Panic boundary, pointer checks, handle casts and foreign userdata.

use std::cell::Cell;
use std::ffi::{c_char, c_void, CStr};
use std::sync::{Arc, Once};

use super::status::{hv_status, set_last_error};

/// What an entry point returns when a panic was caught.
pub(crate) trait PanicOrDefault {
    fn panic_value() -> Self;
}

impl PanicOrDefault for hv_status {
    fn panic_value() -> Self {
        hv_status::HV_ERR_PANIC
    }
}
impl PanicOrDefault for () {
    fn panic_value() -> Self {}
}
impl PanicOrDefault for bool {
    fn panic_value() -> Self {
        false
    }
}
impl PanicOrDefault for i32 {
    fn panic_value() -> Self {
        -1
    }
}
/// `i64` results are byte counts (where 0 means "closed") or thread ids: -1 is their error.
impl PanicOrDefault for i64 {
    fn panic_value() -> Self {
        -1
    }
}
impl PanicOrDefault for u32 {
    fn panic_value() -> Self {
        0
    }
}
impl PanicOrDefault for usize {
    fn panic_value() -> Self {
        0
    }
}
/// Only timer ids are `u64`: a panic yields `INVALID_TIMER_ID`.
impl PanicOrDefault for u64 {
    fn panic_value() -> Self {
        u64::MAX
    }
}
impl<T> PanicOrDefault for *const T {
    fn panic_value() -> Self {
        std::ptr::null()
    }
}
impl<T> PanicOrDefault for *mut T {
    fn panic_value() -> Self {
        std::ptr::null_mut()
    }
}

/// Runs the body, turning a panic into the return type's fallback and a last-error message.
macro_rules! ffi_boundary {
    ($($body:tt)*) => {{
        let _scope = $crate::ffi::boundary::LibraryScope::enter();
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| { $($body)* })) {
            Ok(v) => v,
            Err(payload) => {
                $crate::ffi::boundary::report_panic(payload);
                $crate::ffi::boundary::PanicOrDefault::panic_value()
            }
        }
    }};
}

thread_local! {
    /// How many library entry points the thread is inside (callbacks can nest them).
    static LIBRARY_DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Marks the calling thread as running library code while it lives, so a panic there is known
/// to be the library's (and is kept off stderr).
pub(crate) struct LibraryScope;

impl LibraryScope {
    pub(crate) fn enter() -> Self {
        static QUIET_PANICS: Once = Once::new();
        QUIET_PANICS.call_once(install_panic_hook);
        LIBRARY_DEPTH.with(|d| d.set(d.get() + 1));
        LibraryScope
    }
}

impl Drop for LibraryScope {
    fn drop(&mut self) {
        LIBRARY_DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// A panic in library code (an entry point, or a loop thread's work) prints nothing on stderr:
/// the program's stderr belongs to the program. Its message becomes the entry point's last
/// error and is logged only when the program gave the logger a file or a handler. Panics
/// elsewhere in the process (a Rust program linking the library) go to the previous hook.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let ours =
            LIBRARY_DEPTH.with(Cell::get) > 0 || crate::event_loop::EventLoop::current().is_some();
        if ours {
            let line = format!("internal error (caught panic) {info}");
            crate::log::write_unless_stderr(crate::log::LEVEL_ERROR, line.as_bytes());
        } else {
            previous(info);
        }
    }));
}

pub(crate) fn report_panic(payload: Box<dyn std::any::Any + Send>) {
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    set_last_error(format!("internal panic: {msg}"));
}

/// Early-returns `$fallback` (default: `HV_ERR_NULL_PARAMETER`) when a pointer is NULL.
macro_rules! try_ref {
    ($ptr:expr, ()) => {
        match $crate::ffi::boundary::Castable::as_rust($ptr) {
            Some(r) => r,
            None => return,
        }
    };
    ($ptr:expr) => {
        try_ref!($ptr, $crate::ffi::hv_status::HV_ERR_NULL_PARAMETER)
    };
    ($ptr:expr, $fallback:expr) => {
        match $crate::ffi::boundary::Castable::as_rust($ptr) {
            Some(r) => r,
            None => {
                $crate::ffi::status::set_last_error(concat!(stringify!($ptr), " is NULL"));
                return $fallback;
            }
        }
    };
}

/// Maps an opaque C handle to the Rust value behind it.
pub(crate) trait Castable {
    type Rust;
    /// Handles are either a `Box` (owned by one C owner) or an `Arc` (reference counted).
    const IS_ARC: bool;

    fn as_rust<'a>(ptr: *const Self) -> Option<&'a Self::Rust> {
        // SAFETY: a non-NULL handle was produced by `into_handle`/`arc_handle`/`borrowed_handle`
        // for this exact type and the C caller promises it is still alive.
        unsafe { (ptr as *const Self::Rust).as_ref() }
    }
}

pub(crate) fn box_handle<C: Castable>(value: C::Rust) -> *mut C {
    debug_assert!(!C::IS_ARC);
    Box::into_raw(Box::new(value)) as *mut C
}

pub(crate) fn box_free<C: Castable>(ptr: *mut C) {
    debug_assert!(!C::IS_ARC);
    if !ptr.is_null() {
        // SAFETY: non-NULL handles of Box kind come from `box_handle` and are freed once.
        drop(unsafe { Box::from_raw(ptr as *mut C::Rust) });
    }
}

pub(crate) fn arc_handle<C: Castable>(value: Arc<C::Rust>) -> *const C {
    debug_assert!(C::IS_ARC);
    Arc::into_raw(value) as *const C
}

/// A pointer valid only while `value` is kept alive by someone else.
pub(crate) fn borrowed_handle<C: Castable>(value: &Arc<C::Rust>) -> *const C {
    Arc::as_ptr(value) as *const C
}

/// A new strong reference from a handle (owned or borrowed).
pub(crate) fn arc_clone<C: Castable>(ptr: *const C) -> Option<Arc<C::Rust>> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-NULL handles of Arc kind point into a live `Arc<C::Rust>` allocation.
    unsafe {
        Arc::increment_strong_count(ptr as *const C::Rust);
        Some(Arc::from_raw(ptr as *const C::Rust))
    }
}

pub(crate) fn arc_free<C: Castable>(ptr: *const C) {
    if !ptr.is_null() {
        // SAFETY: the caller owns this reference (from `arc_handle`/`_clone`) and gives it up.
        drop(unsafe { Arc::from_raw(ptr as *const C::Rust) });
    }
}

/// Maps an opaque C handle type (declared as a plain struct, so cbindgen sees it) to the Rust
/// type behind it, as an `arc` (reference counted) or `boxed` (single owner) handle.
macro_rules! castable {
    ($name:ident => $rust:ty, arc) => {
        impl $crate::ffi::boundary::Castable for $name {
            type Rust = $rust;
            const IS_ARC: bool = true;
        }
    };
    ($name:ident => $rust:ty, boxed) => {
        impl $crate::ffi::boundary::Castable for $name {
            type Rust = $rust;
            const IS_ARC: bool = false;
        }
    };
}

/// Reads an optional C string: NULL is `None`; invalid UTF-8 is an error.
pub(crate) fn opt_str<'a>(ptr: *const c_char) -> Result<Option<&'a str>, hv_status> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller passes a NUL-terminated string that outlives this call.
    let s = unsafe { CStr::from_ptr(ptr) };
    s.to_str().map(Some).map_err(|_| {
        set_last_error("string is not valid UTF-8");
        hv_status::HV_ERR_INVALID_UTF8
    })
}

/// A string argument that must be there: NULL or invalid UTF-8 is an error (with a last error
/// naming `what`).
pub(crate) fn required_str<'a>(ptr: *const c_char, what: &str) -> Result<&'a str, hv_status> {
    opt_str(ptr)?.ok_or_else(|| {
        set_last_error(format!("{what} must not be NULL"));
        hv_status::HV_ERR_NULL_PARAMETER
    })
}

/// A `host`/`port` argument pair: NULL host means `default_host`; the port must fit in 16 bits.
pub(crate) fn endpoint_arg(
    host: *const c_char,
    default_host: &str,
    port: i32,
) -> Result<(&str, u16), hv_status> {
    let host = opt_str(host)?.unwrap_or(default_host);
    let port = u16::try_from(port).map_err(|_| {
        set_last_error(format!("port {port} is out of range"));
        hv_status::HV_ERR_INVALID_ARGUMENT
    })?;
    Ok((host, port))
}

/// Reports a `createsocket` result: the fd, or a negative errno, goes to the optional `out_fd`.
pub(crate) fn report_fd(out_fd: *mut i32, result: crate::Result<i32>) -> hv_status {
    let (fd, status) = match result {
        Ok(fd) => (fd, hv_status::HV_OK),
        Err(e) => (e.negative_errno(), super::status::fail(e)),
    };
    // SAFETY: a non-NULL out pointer is writable, per each function's documented contract.
    if let Some(out) = unsafe { out_fd.as_mut() } {
        *out = fd;
    }
    status
}

/// The C pointer inside an attachment slot holding `ForeignData`, or NULL. Only for slots that
/// nobody else can release meanwhile (a request, owned by the handler during its call); shared
/// slots are read with `attached_data` and `visit_userdata`.
pub(crate) fn attached_ptr(slot: Option<&(dyn std::any::Any + Send)>) -> *mut c_void {
    slot.and_then(|a| a.downcast_ref::<Arc<ForeignData>>())
        .map_or(std::ptr::null_mut(), |d| d.ptr)
}

/// A new reference to the `ForeignData` in an attachment slot: taken under the slot's lock, it
/// keeps the userdata alive after the lock is released.
pub(crate) fn attached_data(slot: Option<&(dyn std::any::Any + Send)>) -> Option<Arc<ForeignData>> {
    slot.and_then(|a| a.downcast_ref::<Arc<ForeignData>>())
        .cloned()
}

/// Receives attached userdata (or NULL) while a reference keeps it from being freed.
pub type hv_userdata_visitor =
    Option<unsafe extern "C" fn(ctx: *mut c_void, userdata: *mut c_void)>;

/// Calls `visit(ctx, userdata)` with no library lock held. `data` is dropped afterwards, on this
/// thread: when the owner released the userdata meanwhile, its finalizer runs here.
pub(crate) fn visit_userdata(
    data: Option<Arc<ForeignData>>,
    visit: unsafe extern "C" fn(*mut c_void, *mut c_void),
    ctx: *mut c_void,
) {
    let ptr = data.as_ref().map_or(std::ptr::null_mut(), |d| d.ptr);
    // SAFETY: the caller's visitor with its own context; `data` keeps `ptr` alive until after
    // the call.
    unsafe { visit(ctx, ptr) };
    drop(data);
}

/// Copies `text` into the caller's `buf` of `len` bytes (truncated, NUL-terminated; nothing for
/// a NULL `buf` or a zero `len`) and returns the full length, so a caller can size a buffer.
pub(crate) fn copy_c_string(text: &[u8], buf: *mut c_char, len: usize) -> usize {
    if !buf.is_null() && len > 0 {
        let n = text.len().min(len - 1);
        // SAFETY: the caller provides `len` writable bytes at `buf`; n + 1 <= len.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), buf as *mut u8, n);
            *buf.add(n) = 0;
        }
    }
    text.len()
}

/// A byte slice from C; NULL is only allowed with length 0.
pub(crate) fn bytes<'a>(ptr: *const c_void, len: usize) -> Option<&'a [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the caller promises `len` readable bytes at `ptr` for the duration of the call.
    Some(unsafe { std::slice::from_raw_parts(ptr as *const u8, len) })
}

/// Frees the userdata of a callback set: called once, when no callback can run any more.
pub type hv_userdata_free = Option<unsafe extern "C" fn(userdata: *mut c_void)>;
/// A callback with no arguments but its userdata.
pub type hv_task_cb = Option<unsafe extern "C" fn(userdata: *mut c_void)>;

/// C userdata whose finalizer runs exactly once, when the last Rust owner drops it.
pub(crate) struct ForeignData {
    pub(crate) ptr: *mut c_void,
    free: hv_userdata_free,
}

// SAFETY: the C caller hands userdata over to be used from the threads each function documents;
// the library never dereferences it, it only passes it back.
unsafe impl Send for ForeignData {}
// SAFETY: as above; shared references only copy the pointer.
unsafe impl Sync for ForeignData {}

impl ForeignData {
    pub(crate) fn new(ptr: *mut c_void, free: hv_userdata_free) -> Arc<Self> {
        Arc::new(Self::owned(ptr, free))
    }

    /// For a slot with a single owner (a request's), which needs no reference count.
    pub(crate) fn owned(ptr: *mut c_void, free: hv_userdata_free) -> Self {
        ForeignData { ptr, free }
    }
}

impl Drop for ForeignData {
    fn drop(&mut self) {
        if let Some(free) = self.free {
            // SAFETY: the finalizer was supplied with this userdata and is called exactly once.
            unsafe { free(self.ptr) };
        }
    }
}

/// A `hv_task_cb` with its userdata, as a Rust closure (for queued work and heartbeats).
pub(crate) fn task_closure(
    cb: unsafe extern "C" fn(*mut c_void),
    data: Arc<ForeignData>,
) -> impl FnMut() + Send + 'static {
    move || {
        // SAFETY: the C caller registered `cb` for this userdata.
        unsafe { cb(data.ptr) }
    }
}
