//! `hv_tcp_client`: libhv's `TcpClient` for C.

use std::ffi::{c_char, c_void};

use super::boundary::hv_userdata_free;
use super::boundary::{
    arc_clone, arc_handle, borrowed_handle, box_free, box_handle, bytes, ForeignData,
};
use super::boundary::{endpoint_arg, report_fd};
use super::channel::{handlers, hv_channel, hv_channel_cb, hv_data_cb};
use super::event_loop::hv_loop;
use super::status::{fail, hv_status, status_of};
use super::types::{
    configure_tls, hv_reconn_setting, hv_tls_options, hv_unpack_setting, unpack_arg,
};
use crate::tcp::TcpClient;

/// A TCP client (one connection at a time). Owned by its creator; `hv_tcp_client_free`
/// closes and frees it.
pub struct hv_tcp_client {
    _private: [u8; 0],
}
castable!(hv_tcp_client => TcpClient, boxed);

/// A client on `event_loop` (a reference is taken) or, with NULL, on a thread of its own.
#[no_mangle]
pub extern "C" fn hv_tcp_client_new(event_loop: *const hv_loop) -> *mut hv_tcp_client {
    ffi_boundary! { box_handle::<hv_tcp_client>(TcpClient::new(arc_clone(event_loop))) }
}

/// Closes the connection, stops an owned loop thread, frees the client. Not from its callbacks.
#[no_mangle]
pub extern "C" fn hv_tcp_client_free(client: *mut hv_tcp_client) {
    ffi_boundary! { box_free(client) }
}

/// Resolves `host` (NULL = "127.0.0.1"; blocking, IPv4 preferred) and creates the socket;
/// its fd goes to `out_fd` (may be NULL), or a negative errno on failure.
#[no_mangle]
pub extern "C" fn hv_tcp_client_createsocket(
    client: *const hv_tcp_client,
    port: i32,
    host: *const c_char,
    out_fd: *mut i32,
) -> hv_status {
    ffi_boundary! {
        let cli = try_ref!(client);
        let (host, port) = match endpoint_arg(host, "127.0.0.1", port) {
            Ok(ep) => ep,
            Err(s) => return s,
        };
        report_fd(out_fd, cli.createsocket(port, host))
    }
}

/// Binds the socket from `createsocket` to a local address (NULL host = "0.0.0.0").
#[no_mangle]
pub extern "C" fn hv_tcp_client_bind(
    client: *const hv_tcp_client,
    port: i32,
    host: *const c_char,
) -> hv_status {
    ffi_boundary! {
        let cli = try_ref!(client);
        match endpoint_arg(host, "0.0.0.0", port) {
            Ok((host, port)) => status_of(cli.bind(port, host)),
            Err(s) => s,
        }
    }
}

/// Connect timeout in ms (default 10000), TLS handshake included.
#[no_mangle]
pub extern "C" fn hv_tcp_client_set_connect_timeout(client: *const hv_tcp_client, ms: i32) {
    ffi_boundary! { try_ref!(client, ()).set_connect_timeout(ms.max(0) as u32) }
}

/// Reconnects after a failed connect or a close, per `setting` (copied). NULL disables it and
/// cancels a pending retry.
#[no_mangle]
pub extern "C" fn hv_tcp_client_set_reconnect(
    client: *const hv_tcp_client,
    setting: *const hv_reconn_setting,
) {
    ffi_boundary! {
        let cli = try_ref!(client, ());
        // SAFETY: a non-NULL setting points to a valid struct for the call.
        cli.set_reconnect(unsafe { setting.as_ref() }.map(Into::into));
    }
}

/// Copies the live reconnect state (`cur_delay`, `cur_retry_cnt`) into `out`; false when
/// reconnect is not set.
#[no_mangle]
pub extern "C" fn hv_tcp_client_get_reconnect(
    client: *const hv_tcp_client,
    out: *mut hv_reconn_setting,
) -> bool {
    ffi_boundary! {
        let cli = try_ref!(client, false);
        // SAFETY: a non-NULL out pointer is writable, per the documented contract.
        match (cli.reconnect_setting(), unsafe { out.as_mut() }) {
            (Some(s), Some(out)) => {
                *out = s.into();
                true
            }
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

/// Connects with TLS (options copied; NULL turns TLS off). With `verify_peer`, the server's
/// chain and host name (the host given to `createsocket`) are verified.
#[no_mangle]
pub extern "C" fn hv_tcp_client_set_tls(
    client: *const hv_tcp_client,
    options: *const hv_tls_options,
) -> hv_status {
    ffi_boundary! {
        let cli = try_ref!(client);
        configure_tls(options, crate::tls::client_config, |c| cli.set_tls(c))
    }
}

/// Framing for the connection (copied; NULL or mode 0 = raw chunks).
#[no_mangle]
pub extern "C" fn hv_tcp_client_set_unpack(
    client: *const hv_tcp_client,
    setting: *const hv_unpack_setting,
) -> hv_status {
    ffi_boundary! {
        let cli = try_ref!(client);
        match unpack_arg(setting) {
            Ok(s) => status_of(cli.set_unpack(s)),
            Err(status) => status,
        }
    }
}

/// Callbacks (each may be NULL), run on the client's loop thread. `on_connection` also reports
/// a failed connect (not connected, `hv_channel_error` set). `userdata_free` runs when the client
/// is freed or the callbacks are replaced and no connection uses the old ones.
#[no_mangle]
pub extern "C" fn hv_tcp_client_set_callbacks(
    client: *const hv_tcp_client,
    on_connection: hv_channel_cb,
    on_message: hv_data_cb,
    on_write_complete: hv_data_cb,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let cli = try_ref!(client);
        cli.set_handlers(handlers(on_connection, on_message, on_write_complete, data));
        hv_status::HV_OK
    }
}

/// Starts connecting (and the owned loop thread); returns before the connection exists.
#[no_mangle]
pub extern "C" fn hv_tcp_client_start(client: *const hv_tcp_client, wait: bool) -> hv_status {
    ffi_boundary! { status_of(try_ref!(client).start(wait)) }
}

/// Closes for good from any thread: reconnect is disabled first.
#[no_mangle]
pub extern "C" fn hv_tcp_client_closesocket(client: *const hv_tcp_client) {
    ffi_boundary! { try_ref!(client, ()).closesocket() }
}

/// `closesocket`, then stops an owned loop thread (joined with `wait`; not from a callback).
#[no_mangle]
pub extern "C" fn hv_tcp_client_stop(client: *const hv_tcp_client, wait: bool) {
    ffi_boundary! { try_ref!(client, ()).stop(wait) }
}

#[no_mangle]
pub extern "C" fn hv_tcp_client_is_connected(client: *const hv_tcp_client) -> bool {
    ffi_boundary! { try_ref!(client, false).is_connected() }
}

/// Writes when connected, from any thread: returns `len`, or -1 when not connected.
#[no_mangle]
pub extern "C" fn hv_tcp_client_send(
    client: *const hv_tcp_client,
    data: *const c_void,
    len: usize,
) -> i32 {
    ffi_boundary! {
        let cli = try_ref!(client, -1);
        let Some(data) = bytes(data, len) else { return -1 };
        if len > i32::MAX as usize {
            return -1;
        }
        match cli.send(data) {
            Ok(n) => n as i32,
            Err(e) => {
                fail(e);
                -1
            }
        }
    }
}

/// The current (or last) connection as a new reference (free with `hv_channel_free`), or NULL.
#[no_mangle]
pub extern "C" fn hv_tcp_client_channel(client: *const hv_tcp_client) -> *const hv_channel {
    ffi_boundary! { try_ref!(client, std::ptr::null()).channel().map_or(std::ptr::null(), arc_handle::<hv_channel>) }
}

/// The client's loop. Borrowed: valid as long as the client.
#[no_mangle]
pub extern "C" fn hv_tcp_client_loop(client: *const hv_tcp_client) -> *const hv_loop {
    ffi_boundary! { borrowed_handle::<hv_loop>(try_ref!(client, std::ptr::null()).event_loop()) }
}
