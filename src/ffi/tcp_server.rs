//! `hv_tcp_server`: libhv's `TcpServer` for C.

use std::ffi::{c_char, c_void};

use super::boundary::hv_userdata_free;
use super::boundary::{
    arc_clone, arc_handle, box_free, box_handle, bytes, endpoint_arg, report_fd, required_str,
    ForeignData,
};
use super::channel::{handlers, hv_channel, hv_channel_cb, hv_data_cb};
use super::event_loop::hv_loop;
use super::status::{hv_status, status_of};
use super::types::{hv_tls_options, hv_unpack_setting, sni_cert_args, tls_arg, unpack_arg};
use crate::event_loop::LoadBalance;
use crate::tcp::TcpServer;

/// A TCP server. Owned by its creator; `hv_tcp_server_free` stops and frees it.
pub struct hv_tcp_server {
    _private: [u8; 0],
}
castable!(hv_tcp_server => TcpServer, boxed);

/// A server whose acceptor runs on `event_loop` (a reference is taken) or, with NULL, on a
/// thread of its own. Worker threads default to one per CPU.
#[no_mangle]
pub extern "C" fn hv_tcp_server_new(event_loop: *const hv_loop) -> *mut hv_tcp_server {
    ffi_boundary! { box_handle::<hv_tcp_server>(TcpServer::new(arc_clone(event_loop))) }
}

/// Stops the server (closing every connection, joining its threads) and frees it. Connections
/// on an external loop are closed quietly; a callback already running there is waited for, so
/// no callback runs once this returns. Must not be called from one of the server's own
/// callbacks.
#[no_mangle]
pub extern "C" fn hv_tcp_server_free(server: *mut hv_tcp_server) {
    ffi_boundary! { box_free(server) }
}

/// Binds and listens on `host` (NULL = "0.0.0.0") and `port` (0 = any; see
/// `hv_tcp_server_port`). Writes the listening fd to `out_fd` (may be NULL), or a negative errno
/// on failure.
#[no_mangle]
pub extern "C" fn hv_tcp_server_createsocket(
    server: *const hv_tcp_server,
    port: i32,
    host: *const c_char,
    out_fd: *mut i32,
) -> hv_status {
    ffi_boundary! {
        let srv = try_ref!(server);
        let (host, port) = match endpoint_arg(host, "0.0.0.0", port) {
            Ok(ep) => ep,
            Err(s) => return s,
        };
        report_fd(out_fd, srv.createsocket(port, host))
    }
}

/// The listening fd, or -1.
#[no_mangle]
pub extern "C" fn hv_tcp_server_listenfd(server: *const hv_tcp_server) -> i32 {
    ffi_boundary! { try_ref!(server, -1).listen_fd() }
}

/// The bound port (the real one when 0 was asked for), or -1.
#[no_mangle]
pub extern "C" fn hv_tcp_server_port(server: *const hv_tcp_server) -> i32 {
    ffi_boundary! { try_ref!(server, -1).local_addr().map_or(-1, |a| i32::from(a.port())) }
}

/// Stops listening from any thread; live connections stay open. `hv_tcp_server_start` listens
/// again on the same address.
#[no_mangle]
pub extern "C" fn hv_tcp_server_closesocket(server: *const hv_tcp_server) {
    ffi_boundary! { try_ref!(server, ()).closesocket() }
}

/// Worker threads (0 = connections live on the acceptor loop). Call before start.
#[no_mangle]
pub extern "C" fn hv_tcp_server_set_thread_num(server: *const hv_tcp_server, num: i32) {
    ffi_boundary! { try_ref!(server, ()).set_thread_num(num.max(0) as usize) }
}

/// 0 round robin, 1 random, 2 least connections (3, 4: first worker, as libhv).
#[no_mangle]
pub extern "C" fn hv_tcp_server_set_load_balance(
    server: *const hv_tcp_server,
    load_balance: i32,
) -> hv_status {
    ffi_boundary! {
        let srv = try_ref!(server);
        match LoadBalance::from_raw(load_balance) {
            Some(lb) => {
                srv.set_load_balance(lb);
                hv_status::HV_OK
            }
            None => hv_status::HV_ERR_INVALID_ARGUMENT,
        }
    }
}

/// Connections beyond `max` are closed at accept, before any callback or TLS handshake.
#[no_mangle]
pub extern "C" fn hv_tcp_server_set_max_connections(server: *const hv_tcp_server, max: u32) {
    ffi_boundary! { try_ref!(server, ()).set_max_connections(max as usize) }
}

/// Connections beyond `max` open from one client address are closed at accept, before any
/// callback or TLS handshake (0: no cap, the default). Applies from the next start, where
/// `HV_TCP_PER_IP_CONNECTIONS` (a count or `off`) wins.
#[no_mangle]
pub extern "C" fn hv_tcp_server_set_max_connections_per_ip(server: *const hv_tcp_server, max: u32) {
    ffi_boundary! { try_ref!(server, ()).set_max_connections_per_ip(max) }
}

/// With `on`, every connection must start with a PROXY protocol v1 or v2 header (from a load
/// balancer such as HAProxy), read before TLS; the address it names is the channel's peer
/// address and what the per-IP cap counts. A connection without a valid header is closed
/// before its connect callback. Applies from the next start, where `HV_TCP_PROXY_PROTOCOL`
/// (`on`/`off`) wins.
#[no_mangle]
pub extern "C" fn hv_tcp_server_set_proxy_protocol(server: *const hv_tcp_server, on: bool) {
    ffi_boundary! { try_ref!(server, ()).set_proxy_protocol(on) }
}

/// Sets one knob by name from its text form, as the README's table lists the `tcp_` ones
/// (`"tcp_handshake_timeout_ms"`, `"5000"`); it applies from the next start, and an `HV_`
/// environment variable of the same knob wins over it. Both strings are read during the call
/// only. An unknown name or an unparseable value is `HV_ERR_INVALID_ARGUMENT`, described by
/// `hv_last_error`.
#[no_mangle]
pub extern "C" fn hv_tcp_server_set_option(
    server: *const hv_tcp_server,
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

/// Serves TLS with the given PEM files (the strings are copied; the files are read now and
/// again by `hv_tcp_server_reload_tls`; a bad file is reported here as `HV_ERR_TLS_CONFIG`).
/// NULL turns TLS off.
#[no_mangle]
pub extern "C" fn hv_tcp_server_set_tls(
    server: *const hv_tcp_server,
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

/// As `hv_http_server_add_sni_cert`: `options`' certificate for clients asking for `hostname`
/// by SNI, the default (set first by `hv_tcp_server_set_tls`) for the others. Strings copied.
#[no_mangle]
pub extern "C" fn hv_tcp_server_add_sni_cert(
    server: *const hv_tcp_server,
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

/// As `hv_http_server_reload_tls`: every certificate file read again for the connections
/// accepted from now on; on an error (`HV_ERR_TLS_CONFIG`) the old certificates stay.
#[no_mangle]
pub extern "C" fn hv_tcp_server_reload_tls(server: *const hv_tcp_server) -> hv_status {
    ffi_boundary! { status_of(try_ref!(server).reload_tls()) }
}

/// Framing for every connection (copied; NULL or mode 0 = raw chunks).
#[no_mangle]
pub extern "C" fn hv_tcp_server_set_unpack(
    server: *const hv_tcp_server,
    setting: *const hv_unpack_setting,
) -> hv_status {
    ffi_boundary! {
        let srv = try_ref!(server);
        match unpack_arg(setting) {
            Ok(s) => status_of(srv.set_unpack(s)),
            Err(status) => status,
        }
    }
}

/// Sets the callbacks (each may be NULL) for connections accepted from now on. They run on the
/// connection's loop thread, never concurrently for one connection. `userdata_free` runs once
/// the server and all its connections are gone, or when the callbacks are replaced and no
/// connection uses the old ones.
#[no_mangle]
pub extern "C" fn hv_tcp_server_set_callbacks(
    server: *const hv_tcp_server,
    on_connection: hv_channel_cb,
    on_message: hv_data_cb,
    on_write_complete: hv_data_cb,
    userdata: *mut c_void,
    userdata_free: hv_userdata_free,
) -> hv_status {
    ffi_boundary! {
        let data = ForeignData::new(userdata, userdata_free);
        let srv = try_ref!(server);
        srv.set_handlers(handlers(on_connection, on_message, on_write_complete, data));
        hv_status::HV_OK
    }
}

/// Starts workers and acceptor (listening again after `closesocket`); with `wait`, returns once
/// the threads run. `HV_ERR_STATE` after `hv_tcp_server_stop`.
#[no_mangle]
pub extern "C" fn hv_tcp_server_start(server: *const hv_tcp_server, wait: bool) -> hv_status {
    ffi_boundary! { status_of(try_ref!(server).start(wait)) }
}

/// Stops accepting and closes every connection; their disconnect callbacks run on their loops
/// before this returns when `wait` is set (which must not be done from a server callback).
#[no_mangle]
pub extern "C" fn hv_tcp_server_stop(server: *const hv_tcp_server, wait: bool) {
    ffi_boundary! { try_ref!(server, ()).stop(wait) }
}

/// Live connections (counted from their connect callback until their disconnect returns).
#[no_mangle]
pub extern "C" fn hv_tcp_server_connection_num(server: *const hv_tcp_server) -> usize {
    ffi_boundary! { try_ref!(server, 0).connection_num() }
}

/// Calls `cb(userdata, channel)` for each connection registered when the call began, on the
/// calling thread, with no lock held: `cb` may call any function (this one, `hv_tcp_server_channel`
/// or `hv_tcp_server_connection_num` included), and workers keep opening and closing connections
/// meanwhile. A connection may close during the walk: read its userdata with
/// `hv_channel_visit_userdata`, which keeps it alive while visited. Returns the count.
#[no_mangle]
pub extern "C" fn hv_tcp_server_foreach_channel(
    server: *const hv_tcp_server,
    cb: hv_channel_cb,
    userdata: *mut c_void,
) -> usize {
    ffi_boundary! {
        let srv = try_ref!(server, 0);
        srv.foreach_channel(|ch| {
            if let Some(cb) = cb {
                // SAFETY: `cb` is the caller's; the walk holds a reference to the channel.
                unsafe { cb(userdata, super::boundary::borrowed_handle::<hv_channel>(ch)) }
            }
        })
    }
}

/// Writes the bytes to every connection; returns how many connections there were.
#[no_mangle]
pub extern "C" fn hv_tcp_server_broadcast(
    server: *const hv_tcp_server,
    data: *const c_void,
    len: usize,
) -> usize {
    ffi_boundary! {
        let srv = try_ref!(server, 0);
        bytes(data, len).map_or(0, |d| srv.broadcast(d))
    }
}

/// The connection with this id, as a new reference (free with `hv_channel_free`), or NULL.
#[no_mangle]
pub extern "C" fn hv_tcp_server_channel(
    server: *const hv_tcp_server,
    id: u32,
) -> *const hv_channel {
    ffi_boundary! {
        try_ref!(server, std::ptr::null()).channel_by_id(id).map_or(std::ptr::null(), arc_handle::<hv_channel>)
    }
}

/// Worker loop `idx` (the acceptor loop for idx 0 without workers) as a new reference (free with
/// `hv_loop_free`), or NULL. Workers exist once the server started.
#[no_mangle]
pub extern "C" fn hv_tcp_server_loop(server: *const hv_tcp_server, idx: i32) -> *const hv_loop {
    ffi_boundary! {
        let srv = try_ref!(server, std::ptr::null());
        usize::try_from(idx).ok().and_then(|i| srv.worker_loop(i)).map_or(std::ptr::null(), arc_handle::<hv_loop>)
    }
}

/// The acceptor loop. Borrowed: valid as long as the server.
#[no_mangle]
pub extern "C" fn hv_tcp_server_acceptor_loop(server: *const hv_tcp_server) -> *const hv_loop {
    ffi_boundary! { super::boundary::borrowed_handle::<hv_loop>(try_ref!(server, std::ptr::null()).acceptor_loop()) }
}
