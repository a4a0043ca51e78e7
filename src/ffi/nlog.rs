//! libhv's network logger (`nlog.h`): log lines served to TCP clients.

use std::ffi::c_void;

use super::boundary::{arc_clone, borrowed_handle, bytes};
use super::channel::hv_channel;
use super::event_loop::hv_loop;
use super::status::{fail, set_last_error};
use crate::error::Error;
use crate::tcp::nlog;

/// libhv's `nlog_listen`: listens on `0.0.0.0:port` (0 picks a free port) and serves every
/// line given to `hv_nlog_write` to each client connected then; the clients' connections run
/// on `event_loop`, which must be running (or be run later) for them to be accepted, and what
/// they send is ignored.
///
/// Returns a pointer standing for the listening socket, borrowed and valid until the process
/// ends (do not free it): `hv_channel_fd` gives the listening fd, `hv_channel_localaddr` the
/// bound address; it is never connected, so writing fails and closing does nothing. NULL when
/// `event_loop` is NULL, `port` is outside 0..=65535 or listening fails (`hv_last_error()`).
#[no_mangle]
pub extern "C" fn hv_nlog_listen(event_loop: *const hv_loop, port: i32) -> *const hv_channel {
    ffi_boundary! {
        let Some(el) = arc_clone(event_loop) else {
            set_last_error("hv_nlog_listen: event_loop is NULL");
            return std::ptr::null();
        };
        let Ok(port) = u16::try_from(port) else {
            fail(Error::InvalidArgument(format!("port {port}")));
            return std::ptr::null();
        };
        match nlog::listen(el, port) {
            Ok(ch) => borrowed_handle::<hv_channel>(&ch),
            Err(e) => {
                fail(e);
                std::ptr::null()
            }
        }
    }
}

/// libhv's `network_logger`: queues `len` bytes of `data` to every client of every
/// `hv_nlog_listen` listener (usable as an `hv_log_set_handler` handler through `nlog.h`).
/// Returns how many clients there were; 0 when `data` is NULL with `len` > 0. Any thread.
#[no_mangle]
pub extern "C" fn hv_nlog_write(data: *const c_void, len: usize) -> usize {
    ffi_boundary! { bytes(data, len).map_or(0, nlog::write) }
}
