//! Connections (`hv_channel`): write, close and inspect from any thread.

use std::ffi::{c_char, c_void};
use std::net::SocketAddr;
use std::sync::Arc;

use super::boundary::{
    arc_clone, arc_free, arc_handle, attached_data, attached_ptr, borrowed_handle, bytes,
    task_closure, visit_userdata, ForeignData,
};
use super::boundary::{copy_c_string, hv_task_cb, hv_userdata_free, hv_userdata_visitor};
use super::event_loop::hv_loop;
use super::status::{fail, hv_status, set_last_error, status_of};
use super::types::{hv_unpack_setting, unpack_arg};
use crate::tcp::{Channel, Handlers};

/// One TCP connection. Callbacks receive a borrowed pointer, valid during the call;
/// `hv_channel_clone` keeps it (every function stays safe after the connection closed).
pub struct hv_channel {
    _private: [u8; 0],
}
castable!(hv_channel => Channel, arc);

/// `onConnection`: runs on the connection's loop thread, once connected (check
/// `hv_channel_is_connected`) and once when closed (or when a client's connect failed).
pub type hv_channel_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, channel: *const hv_channel)>;
/// `onMessage` / `onWriteComplete`: runs on the connection's loop thread; `data` is valid only
/// during the call.
pub type hv_data_cb = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        channel: *const hv_channel,
        data: *const u8,
        len: usize,
    ),
>;

/// Builds the shared callbacks of a server or client from C function pointers.
pub(crate) fn handlers(
    on_connection: hv_channel_cb,
    on_message: hv_data_cb,
    on_write_complete: hv_data_cb,
    data: Arc<ForeignData>,
) -> Handlers {
    let conn = on_connection.map(|f| {
        let data = data.clone();
        Box::new(move |ch: &Arc<Channel>| {
            // SAFETY: `f` was registered with this userdata; the channel outlives the call.
            unsafe { f(data.ptr, borrowed_handle::<hv_channel>(ch)) }
        }) as crate::tcp::ConnectionFn
    });
    let data_fn = |cb: hv_data_cb| {
        cb.map(|f| {
            let data = data.clone();
            Box::new(move |ch: &Arc<Channel>, bytes: &[u8]| {
                // SAFETY: as above; `bytes` is valid for the duration of the call.
                unsafe {
                    f(
                        data.ptr,
                        borrowed_handle::<hv_channel>(ch),
                        bytes.as_ptr(),
                        bytes.len(),
                    )
                }
            }) as crate::tcp::DataFn
        })
    };
    Handlers::new(conn, data_fn(on_message), data_fn(on_write_complete))
}

/// A new reference (NULL gives NULL); release it with `hv_channel_free`.
#[no_mangle]
pub extern "C" fn hv_channel_clone(channel: *const hv_channel) -> *const hv_channel {
    ffi_boundary! { arc_clone(channel).map_or(std::ptr::null(), arc_handle::<hv_channel>) }
}

/// Releases a reference from `hv_channel_clone` (or a function documented as returning one).
/// Does not close the connection.
#[no_mangle]
pub extern "C" fn hv_channel_free(channel: *const hv_channel) {
    ffi_boundary! { arc_free(channel) }
}

/// Process-unique, nonzero (0 for NULL).
#[no_mangle]
pub extern "C" fn hv_channel_id(channel: *const hv_channel) -> u32 {
    ffi_boundary! { try_ref!(channel, 0).id() }
}

/// The socket's descriptor (-1 for a client whose connect failed, or NULL).
#[no_mangle]
pub extern "C" fn hv_channel_fd(channel: *const hv_channel) -> i32 {
    ffi_boundary! { try_ref!(channel, -1).fd() }
}

/// Why it closed: 0 normal, ETIMEDOUT, 1022 over limit, 1043 TLS handshake, else an errno.
#[no_mangle]
pub extern "C" fn hv_channel_error(channel: *const hv_channel) -> i32 {
    ffi_boundary! { try_ref!(channel, -1).error() }
}

/// libhv's `Channel::Status`: 0 opened, 1 connecting, 2 connected, 4 closed.
#[no_mangle]
pub extern "C" fn hv_channel_status(channel: *const hv_channel) -> i32 {
    ffi_boundary! { try_ref!(channel, 4).status() as i32 }
}

#[no_mangle]
pub extern "C" fn hv_channel_is_opened(channel: *const hv_channel) -> bool {
    ffi_boundary! { try_ref!(channel, false).is_opened() }
}

#[no_mangle]
pub extern "C" fn hv_channel_is_connected(channel: *const hv_channel) -> bool {
    ffi_boundary! { try_ref!(channel, false).is_connected() }
}

/// Queues `len` bytes from any thread (copied; one call's bytes are never interleaved with
/// another's). Returns `len`, or -1 when closed, on NULL, or when the unsent bytes would exceed
/// the write buffer limit (the connection then closes with error 1022).
#[no_mangle]
pub extern "C" fn hv_channel_write(
    channel: *const hv_channel,
    data: *const c_void,
    len: usize,
) -> i32 {
    ffi_boundary! {
        let ch = try_ref!(channel, -1);
        let Some(data) = bytes(data, len) else { return -1 };
        if len > i32::MAX as usize {
            set_last_error("write larger than 2 GiB");
            return -1;
        }
        match ch.write(data) {
            Ok(n) => n as i32,
            Err(e) => {
                fail(e);
                -1
            }
        }
    }
}

/// Closes from any thread: writes fail at once; queued output is flushed (up to the close
/// timeout) and then the disconnect callback runs on the loop thread.
#[no_mangle]
pub extern "C" fn hv_channel_close(channel: *const hv_channel) {
    ffi_boundary! { try_ref!(channel, ()).close() }
}

fn write_addr(addr: Option<SocketAddr>, buf: *mut c_char, len: usize) -> usize {
    let text = addr.map(|a| a.to_string()).unwrap_or_default();
    copy_c_string(text.as_bytes(), buf, len)
}

/// Writes "ip:port" ("[ip6]:port") into `buf` (NUL-terminated, truncated to `len`) and returns
/// the full length; "" when unknown.
#[no_mangle]
pub extern "C" fn hv_channel_peeraddr(
    channel: *const hv_channel,
    buf: *mut c_char,
    len: usize,
) -> usize {
    ffi_boundary! { write_addr(try_ref!(channel, write_addr(None, buf, len)).peer_addr(), buf, len) }
}

/// As `hv_channel_peeraddr`, for the local address.
#[no_mangle]
pub extern "C" fn hv_channel_localaddr(
    channel: *const hv_channel,
    buf: *mut c_char,
    len: usize,
) -> usize {
    ffi_boundary! { write_addr(try_ref!(channel, write_addr(None, buf, len)).local_addr(), buf, len) }
}

/// Bytes queued and not yet written to the socket.
#[no_mangle]
pub extern "C" fn hv_channel_write_bufsize(channel: *const hv_channel) -> usize {
    ffi_boundary! { try_ref!(channel, 0).write_bufsize() }
}

/// Limit on unsent bytes (default 16 MiB).
#[no_mangle]
pub extern "C" fn hv_channel_set_max_write_bufsize(channel: *const hv_channel, bytes: u32) {
    ffi_boundary! { try_ref!(channel, ()).set_max_write_bufsize(bytes as usize) }
}

fn ms(v: i32) -> u32 {
    v.max(0) as u32
}

/// Closes with ETIMEDOUT after `ms` without reads or writes; `ms <= 0` disables. Any thread.
#[no_mangle]
pub extern "C" fn hv_channel_set_keepalive_timeout(channel: *const hv_channel, ms_: i32) {
    ffi_boundary! { try_ref!(channel, ()).set_keepalive_timeout(ms(ms_)) }
}

/// Closes with ETIMEDOUT after `ms` without a read; `ms <= 0` disables.
#[no_mangle]
pub extern "C" fn hv_channel_set_read_timeout(channel: *const hv_channel, ms_: i32) {
    ffi_boundary! { try_ref!(channel, ()).set_read_timeout(ms(ms_)) }
}

/// Closes with ETIMEDOUT after `ms` without a write; `ms <= 0` disables.
#[no_mangle]
pub extern "C" fn hv_channel_set_write_timeout(channel: *const hv_channel, ms_: i32) {
    ffi_boundary! { try_ref!(channel, ()).set_write_timeout(ms(ms_)) }
}

/// How long a close waits for queued output (default 60 s) before forcing it with ETIMEDOUT.
#[no_mangle]
pub extern "C" fn hv_channel_set_close_timeout(channel: *const hv_channel, ms_: i32) {
    ffi_boundary! { try_ref!(channel, ()).set_close_timeout(ms(ms_)) }
}

/// Calls `cb(userdata)` every `interval_ms` on the loop thread until the connection closes;
/// `interval_ms <= 0` or a NULL `cb` removes it. `userdata_free` runs when it is removed.
#[no_mangle]
pub extern "C" fn hv_channel_set_heartbeat(
    channel: *const hv_channel,
    interval_ms: i32,
    cb: hv_task_cb,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let ch = try_ref!(channel, ());
        let f = cb.map(|cb| Box::new(task_closure(cb, data)) as crate::tcp::HeartbeatFn);
        ch.set_heartbeat(ms(interval_ms), f);
    }
}

/// Changes this connection's framing (NULL or mode 0 = raw chunks). The setting is copied.
#[no_mangle]
pub extern "C" fn hv_channel_set_unpack(
    channel: *const hv_channel,
    setting: *const hv_unpack_setting,
) -> hv_status {
    ffi_boundary! {
        let ch = try_ref!(channel);
        match unpack_arg(setting) {
            Ok(s) => status_of(ch.set_unpack(s)),
            Err(status) => status,
        }
    }
}

/// Attaches `userdata` (the C++ headers keep their `SocketChannel` here); read it with
/// `hv_channel_visit_userdata`. `userdata_free` runs after the disconnect callback, on the loop
/// thread, or on a thread still visiting the userdata then. `HV_ERR_STATE`, with
/// `userdata_free` run at once on the calling thread, when userdata is attached already or the
/// connection's callbacks are over (so nothing attached can outlive them).
#[no_mangle]
pub extern "C" fn hv_channel_set_userdata(
    channel: *const hv_channel,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let ch = try_ref!(channel);
        match ch.set_attachment(Box::new(data)) {
            Ok(()) => hv_status::HV_OK,
            Err(refused) => {
                drop(refused);
                set_last_error("the channel has userdata already, or its callbacks are over");
                hv_status::HV_ERR_STATE
            }
        }
    }
}

/// Calls `visit(ctx, userdata)` on the calling thread with the attached userdata (NULL when
/// there is none or it was released). No library lock is held during the call, and a reference
/// keeps the userdata from being freed until `visit` returns, so `visit` may use it and call any
/// function. If the loop released it meanwhile, its `userdata_free` runs on this thread, right
/// after `visit`. The userdata stays owned by the channel.
#[no_mangle]
pub extern "C" fn hv_channel_visit_userdata(
    channel: *const hv_channel,
    visit: hv_userdata_visitor,
    ctx: *mut c_void,
) {
    ffi_boundary! {
        let ch = try_ref!(channel, ());
        let Some(visit) = visit else { return };
        visit_userdata(ch.with_attachment(attached_data), visit, ctx)
    }
}

/// The attached userdata, borrowed, when called from one of this channel's own callbacks on its
/// loop thread: it stays attached at least until that callback returns. NULL anywhere else, or
/// when none is attached. A lookup without the reference that `hv_channel_visit_userdata` takes,
/// for what runs once per message.
#[no_mangle]
pub extern "C" fn hv_channel_callback_userdata(channel: *const hv_channel) -> *mut c_void {
    ffi_boundary! { try_ref!(channel, std::ptr::null_mut()).with_attachment_in_callback(attached_ptr) }
}

/// The loop the connection lives on. Borrowed: valid while the channel reference is held.
#[no_mangle]
pub extern "C" fn hv_channel_loop(channel: *const hv_channel) -> *const hv_loop {
    ffi_boundary! { borrowed_handle::<hv_loop>(try_ref!(channel, std::ptr::null()).event_loop()) }
}
