//! Every C entry point given NULL or bad arguments answers with an error value: no crash, no
//! panic across the boundary, and userdata handed over is still freed exactly once.

use std::ffi::{c_char, c_void, CStr};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};

use hv::ffi::*;

static FREED: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn count_free(_: *mut c_void) {
    FREED.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn noop_task(_: *mut c_void) {}
unsafe extern "C" fn noop_timer(_: *mut c_void, _: u64) {}
unsafe extern "C" fn noop_visit(_: *mut c_void, _: *mut c_void) {}
unsafe extern "C" fn noop_handler(
    _: *mut c_void,
    _: *mut hv_http_request,
    _: *mut hv_http_response,
    _: *const hv_http_writer,
) -> i32 {
    200
}

const NULL_PARAM: hv_status = hv_status::HV_ERR_NULL_PARAMETER;

static PAIRS: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn count_pair(
    _: *mut c_void,
    _: *const c_char,
    _: usize,
    _: *const c_char,
    _: usize,
    _: bool,
) {
    PAIRS.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn every_entry_point_rejects_null_handles() {
    let before = FREED.load(Ordering::SeqCst);
    let ud = std::ptr::dangling_mut::<c_void>();
    let mut fd = 0;
    let mut buf = [0 as std::ffi::c_char; 16];

    // status and version
    // SAFETY: both return static NUL-terminated strings.
    unsafe {
        assert!(
            !CStr::from_ptr(hv_status_str(hv_status::HV_ERR_PANIC as u32))
                .to_bytes()
                .is_empty()
        );
        assert!(!CStr::from_ptr(hv_rs_version()).to_bytes().is_empty());
    }
    assert!(hv_last_error(null_mut(), 0) < usize::MAX);

    // loops
    hv_loop_free(null());
    assert!(hv_loop_clone(null()).is_null());
    assert_eq!(hv_loop_run(null()), NULL_PARAM);
    hv_loop_stop(null());
    assert_eq!(hv_loop_status(null()), 0);
    assert_eq!(hv_loop_tid(null()), 0);
    assert_eq!(hv_loop_id(null()), 0);
    assert!(!hv_loop_is_in_loop_thread(null()));
    assert_eq!(hv_loop_connection_num(null()), 0);
    assert!(hv_loop_current().is_null());
    assert_eq!(
        hv_loop_run_in_loop(null(), Some(noop_task), ud, Some(count_free)),
        NULL_PARAM
    );
    assert_eq!(
        hv_loop_queue_in_loop(null(), Some(noop_task), ud, Some(count_free)),
        NULL_PARAM
    );
    assert_eq!(
        hv_loop_set_timer(null(), 10, 1, Some(noop_timer), ud, Some(count_free)),
        HV_INVALID_TIMER_ID
    );
    hv_loop_kill_timer(null(), 1);
    hv_loop_reset_timer(null(), 1, 1);
    assert_eq!(
        hv_loop_set_userdata(null(), ud, Some(count_free)),
        NULL_PARAM
    );
    hv_loop_visit_userdata(null(), Some(noop_visit), null_mut());
    assert!(!hv_loop_clear_userdata(null(), ud));
    hv_loop_thread_free(null_mut());
    assert!(hv_loop_thread_loop(null()).is_null());
    assert_eq!(
        hv_loop_thread_start(null(), false, None, None, ud, Some(count_free)),
        NULL_PARAM
    );
    hv_loop_thread_stop(null(), true);
    hv_loop_thread_join(null());
    hv_loop_pool_free(null_mut());
    assert_eq!(
        hv_loop_pool_start(null(), false, None, None, ud, Some(count_free)),
        NULL_PARAM
    );
    hv_loop_pool_stop(null(), true);
    hv_loop_pool_join(null());
    assert_eq!(hv_loop_pool_thread_num(null()), 0);
    assert!(hv_loop_pool_loop(null(), 0).is_null());
    assert!(hv_loop_pool_next_loop(null(), 0).is_null());

    // channels
    assert!(hv_channel_clone(null()).is_null());
    hv_channel_free(null());
    assert_eq!(hv_channel_id(null()), 0);
    assert_eq!(hv_channel_fd(null()), -1);
    assert_eq!(hv_channel_error(null()), -1);
    assert_eq!(hv_channel_status(null()), 4);
    assert!(!hv_channel_is_opened(null()));
    assert!(!hv_channel_is_connected(null()));
    assert_eq!(
        hv_channel_write(null(), b"x".as_ptr() as *const c_void, 1),
        -1
    );
    hv_channel_close(null());
    assert_eq!(hv_channel_peeraddr(null(), buf.as_mut_ptr(), buf.len()), 0);
    assert_eq!(hv_channel_localaddr(null(), buf.as_mut_ptr(), buf.len()), 0);
    assert_eq!(hv_channel_write_bufsize(null()), 0);
    hv_channel_set_max_write_bufsize(null(), 1);
    hv_channel_set_keepalive_timeout(null(), 1);
    hv_channel_set_read_timeout(null(), 1);
    hv_channel_set_write_timeout(null(), 1);
    hv_channel_set_close_timeout(null(), 1);
    hv_channel_set_heartbeat(null(), 10, Some(noop_task), ud, Some(count_free));
    assert_eq!(hv_channel_set_unpack(null(), null()), NULL_PARAM);
    assert_eq!(
        hv_channel_set_userdata(null(), ud, Some(count_free)),
        NULL_PARAM
    );
    hv_channel_visit_userdata(null(), Some(noop_visit), null_mut());
    assert!(hv_channel_callback_userdata(null()).is_null());
    assert!(hv_channel_loop(null()).is_null());

    // servers
    hv_tcp_server_free(null_mut());
    assert_eq!(
        hv_tcp_server_createsocket(null(), 0, null(), &mut fd),
        NULL_PARAM
    );
    assert_eq!(hv_tcp_server_listenfd(null()), -1);
    assert_eq!(hv_tcp_server_port(null()), -1);
    hv_tcp_server_closesocket(null());
    hv_tcp_server_set_thread_num(null(), 1);
    assert_eq!(hv_tcp_server_set_load_balance(null(), 0), NULL_PARAM);
    hv_tcp_server_set_max_connections(null(), 1);
    hv_tcp_server_set_max_connections_per_ip(null(), 1);
    hv_tcp_server_set_proxy_protocol(null(), true);
    assert_eq!(hv_tcp_server_set_tls(null(), null()), NULL_PARAM);
    assert_eq!(
        hv_tcp_server_add_sni_cert(null(), c"a.test".as_ptr(), null()),
        NULL_PARAM
    );
    assert_eq!(hv_tcp_server_reload_tls(null()), NULL_PARAM);
    assert_eq!(hv_tcp_server_set_unpack(null(), null()), NULL_PARAM);
    assert_eq!(
        hv_tcp_server_set_callbacks(null(), None, None, None, ud, Some(count_free)),
        NULL_PARAM
    );
    assert_eq!(hv_tcp_server_start(null(), true), NULL_PARAM);
    hv_tcp_server_stop(null(), true);
    assert_eq!(hv_tcp_server_connection_num(null()), 0);
    assert_eq!(hv_tcp_server_foreach_channel(null(), None, null_mut()), 0);
    assert_eq!(hv_tcp_server_broadcast(null(), null(), 0), 0);
    assert!(hv_tcp_server_channel(null(), 1).is_null());
    assert!(hv_tcp_server_loop(null(), 0).is_null());
    assert!(hv_tcp_server_acceptor_loop(null()).is_null());

    // clients
    hv_tcp_client_free(null_mut());
    assert_eq!(
        hv_tcp_client_createsocket(null(), 1, null(), &mut fd),
        NULL_PARAM
    );
    assert_eq!(hv_tcp_client_bind(null(), 0, null()), NULL_PARAM);
    hv_tcp_client_set_connect_timeout(null(), 1);
    hv_tcp_client_set_reconnect(null(), null());
    assert!(!hv_tcp_client_get_reconnect(null(), null_mut()));
    assert_eq!(hv_tcp_client_set_tls(null(), null()), NULL_PARAM);
    assert_eq!(hv_tcp_client_set_unpack(null(), null()), NULL_PARAM);
    assert_eq!(
        hv_tcp_client_set_callbacks(null(), None, None, None, ud, Some(count_free)),
        NULL_PARAM
    );
    assert_eq!(hv_tcp_client_start(null(), true), NULL_PARAM);
    hv_tcp_client_closesocket(null());
    hv_tcp_client_stop(null(), true);
    assert!(!hv_tcp_client_is_connected(null()));
    assert_eq!(hv_tcp_client_send(null(), null(), 0), -1);
    assert!(hv_tcp_client_channel(null()).is_null());
    assert!(hv_tcp_client_loop(null()).is_null());

    // HTTP
    hv_http_service_free(null_mut());
    assert_eq!(
        hv_http_service_add_static(null(), c"/".as_ptr(), c"/tmp".as_ptr()),
        NULL_PARAM
    );
    assert_eq!(
        hv_http_service_set_static_options(null(), null(), null()),
        NULL_PARAM
    );
    assert_eq!(hv_http_service_set_access_log(null(), false), NULL_PARAM);
    assert_eq!(
        hv_http_service_add_proxy(null(), c"/".as_ptr(), c"http://x/".as_ptr()),
        NULL_PARAM
    );
    assert_eq!(hv_http_service_set_forward_proxy(null(), true), NULL_PARAM);
    assert_eq!(
        hv_http_service_add_trust_proxy(null(), c"x".as_ptr()),
        NULL_PARAM
    );
    assert_eq!(
        hv_http_service_add_no_proxy(null(), c"x".as_ptr()),
        NULL_PARAM
    );
    assert_eq!(hv_http_service_set_proxy_timeouts(null(), 1, 1), NULL_PARAM);
    assert!(hv_http_client_request_new(null(), c"http://x/".as_ptr()).is_null());
    assert!(hv_http_client_request_new(c"G ET".as_ptr(), c"http://x/".as_ptr()).is_null());
    hv_http_client_request_free(null_mut());
    assert_eq!(
        hv_http_client_request_add_header(null(), c"A".as_ptr(), c"b".as_ptr()),
        NULL_PARAM
    );
    assert_eq!(
        hv_http_client_request_set_body(null(), null(), 0),
        NULL_PARAM
    );
    assert_eq!(hv_http_client_request_set_timeout(null(), 1), NULL_PARAM);
    assert_eq!(
        hv_http_client_request_set_stream(null(), None, ud, Some(count_free)),
        NULL_PARAM
    );
    assert_eq!(hv_http_client_send(null(), null_mut()), NULL_PARAM);
    assert_eq!(
        hv_http_client_send_async(null(), None, ud, Some(count_free)),
        NULL_PARAM
    );
    assert_eq!(
        hv_http_client_request_set_body_file(null(), c"x".as_ptr(), None, ud, Some(count_free)),
        NULL_PARAM
    );
    assert!(hv_http_conn_connect(c"127.0.0.1".as_ptr(), -1, false, 1, &mut fd).is_null());
    assert!(fd < 0, "a bad port reports a negative errno: {fd}");
    hv_http_conn_free(null_mut());
    assert_eq!(hv_http_conn_send_request(null(), null()), NULL_PARAM);
    assert_eq!(hv_http_conn_send(null(), null(), 0), -1);
    assert_eq!(hv_http_conn_recv(null(), buf.as_mut_ptr().cast(), 1), -1);
    assert_eq!(hv_http_conn_recv_response(null(), null_mut()), NULL_PARAM);
    hv_http_response_free(null_mut());
    assert_eq!(
        hv_http_service_add_route(
            null(),
            c"GET".as_ptr(),
            c"/".as_ptr(),
            None,
            ud,
            Some(count_free)
        ),
        NULL_PARAM
    );
    assert_eq!(
        hv_http_service_set_stage(
            null(),
            hv_http_stage::HV_HTTP_MIDDLEWARE as i32,
            None,
            ud,
            Some(count_free)
        ),
        NULL_PARAM
    );
    let mut len = 7usize;
    assert!(hv_http_request_method(null(), &mut len).is_null() && len == 0);
    assert!(hv_http_request_path(null(), &mut len).is_null());
    assert!(hv_http_request_url(null(), &mut len).is_null());
    assert_eq!(hv_http_request_version(null()), 0);
    assert!(hv_http_request_header(null(), c"Host".as_ptr(), &mut len).is_null());
    assert_eq!(hv_http_request_header_count(null()), 0);
    assert!(!hv_http_request_header_at(
        null(),
        0,
        null_mut(),
        null_mut(),
        null_mut(),
        null_mut()
    ));
    assert!(hv_http_request_body(null(), &mut len).is_null());
    assert!(hv_http_request_param(null(), c"id".as_ptr(), &mut len).is_null());
    assert_eq!(hv_http_request_param_count(null()), 0);
    assert!(!hv_http_request_param_at(
        null(),
        0,
        null_mut(),
        null_mut(),
        null_mut(),
        null_mut()
    ));
    assert_eq!(
        hv_http_request_client_addr(null(), buf.as_mut_ptr(), buf.len()),
        0
    );
    assert_eq!(
        hv_http_request_set_userdata(null_mut(), ud, Some(count_free)),
        NULL_PARAM
    );
    assert!(hv_http_request_userdata(null()).is_null());
    len = 7;
    assert!(hv_http_request_client_cert_subject(null(), &mut len).is_null());
    assert_eq!(len, 0);
    len = 7;
    assert!(hv_http_request_client_cert_der(null(), &mut len).is_null());
    assert_eq!(len, 0);
    assert_eq!(hv_http_response_set_status(null_mut(), 200), NULL_PARAM);
    assert_eq!(hv_http_response_status(null()), 0);
    assert_eq!(
        hv_http_response_set_header(null_mut(), c"A".as_ptr(), c"b".as_ptr()),
        NULL_PARAM
    );
    assert_eq!(
        hv_http_response_add_header(null_mut(), c"A".as_ptr(), c"b".as_ptr()),
        NULL_PARAM
    );
    hv_http_response_clear_headers(null_mut());
    assert_eq!(
        hv_http_response_report_stage_headers(null_mut(), null(), null(), 0),
        NULL_PARAM
    );
    assert!(!hv_http_response_header_is_staged(null(), 0));
    assert_eq!(
        hv_http_request_for_each_header(null(), Some(count_pair), ud),
        0
    );
    assert_eq!(hv_http_request_for_each_header(null(), None, ud), 0);
    assert_eq!(
        hv_http_request_for_each_param(null(), Some(count_pair), ud),
        0
    );
    assert_eq!(
        hv_http_response_for_each_header(null(), Some(count_pair), ud),
        0
    );
    assert_eq!(PAIRS.load(Ordering::SeqCst), 0);
    assert_eq!(hv_http_response_header_count(null()), 0);
    assert!(!hv_http_response_header_at(
        null(),
        0,
        null_mut(),
        null_mut(),
        null_mut(),
        null_mut()
    ));
    assert!(hv_http_response_body(null(), &mut len).is_null());
    assert_eq!(
        hv_http_writer_add_header(null(), c"A".as_ptr(), c"b".as_ptr()),
        NULL_PARAM
    );
    assert_eq!(hv_http_writer_clear_headers(null()), NULL_PARAM);
    assert_eq!(
        hv_http_server_set_worker_hooks(null(), None, None, ud, Some(count_free)),
        NULL_PARAM
    );
    assert_eq!(
        hv_http_server_set_access_log_callback(null(), None, ud, Some(count_free)),
        NULL_PARAM
    );
    assert_eq!(
        hv_http_server_set_option(null(), c"max_body".as_ptr(), c"1k".as_ptr()),
        NULL_PARAM
    );
    assert_eq!(
        hv_tcp_server_set_option(null(), c"tcp_proxy_protocol".as_ptr(), c"on".as_ptr()),
        NULL_PARAM
    );
    assert_eq!(hv_http_response_set_body(null_mut(), null(), 0), NULL_PARAM);
    assert_eq!(
        hv_http_response_append_body(null_mut(), null(), 0),
        NULL_PARAM
    );
    assert!(hv_http_writer_clone(null()).is_null());
    hv_http_writer_free(null());
    assert_eq!(hv_http_writer_set_status(null(), 200), NULL_PARAM);
    assert_eq!(
        hv_http_writer_set_header(null(), c"A".as_ptr(), c"b".as_ptr()),
        NULL_PARAM
    );
    assert_eq!(hv_http_writer_end_headers(null()), NULL_PARAM);
    assert_eq!(
        hv_http_writer_write(null(), b"x".as_ptr() as *const c_void, 1),
        NULL_PARAM
    );
    assert_eq!(hv_http_writer_end(null()), NULL_PARAM);
    assert!(!hv_http_writer_is_connected(null()));
    hv_http_server_free(null_mut());
    assert_eq!(hv_http_server_set_service(null(), null()), NULL_PARAM);
    assert_eq!(hv_http_server_set_host(null(), null()), NULL_PARAM);
    assert_eq!(hv_http_server_set_ports(null(), 1, 2), NULL_PARAM);
    hv_http_server_set_thread_num(null(), 1);
    hv_http_server_set_worker_connections(null(), 1);
    hv_http_server_set_keepalive_timeout(null(), 1);
    assert_eq!(hv_http_server_set_tls(null(), null()), NULL_PARAM);
    assert_eq!(
        hv_http_server_add_sni_cert(null(), c"a.test".as_ptr(), null()),
        NULL_PARAM
    );
    assert_eq!(hv_http_server_reload_tls(null()), NULL_PARAM);
    assert_eq!(
        hv_http_server_set_option(null(), c"max_body".as_ptr(), c"1k".as_ptr()),
        NULL_PARAM
    );
    assert_eq!(
        hv_tcp_server_set_option(null(), c"tcp_proxy_protocol".as_ptr(), c"on".as_ptr()),
        NULL_PARAM
    );
    hv_http_server_stop_accept(null());
    hv_http_server_graceful_stop(null(), 10);
    assert_eq!(hv_http_server_start(null()), NULL_PARAM);
    hv_http_server_wait(null());
    hv_http_server_stop(null());
    assert_eq!(hv_http_server_port(null(), false), -1);
    assert_eq!(hv_http_server_connection_num(null()), 0);

    // logging
    assert_ne!(hv_log_set_level_by_str(null()), 0);
    hv_log_write(2, null(), 5);

    // HTTP/1 parser
    hv_http_parser_free(null_mut());
    assert_eq!(hv_http_parser_reset(null(), true), NULL_PARAM);
    assert_eq!(hv_http_parser_set_skip_body(null(), true), NULL_PARAM);
    assert_eq!(hv_http_parser_feed(null(), c"x".as_ptr().cast(), 1), -1);
    assert_eq!(hv_http_parser_finish(null()), NULL_PARAM);
    assert_eq!(hv_http_parser_state(null()), 11);
    assert!(hv_http_parser_method(null()).is_null());
    assert!(hv_http_parser_url(null()).is_null());
    assert_eq!(hv_http_parser_status_code(null()), -1);
    assert_eq!(hv_http_parser_http_minor(null()), -1);
    assert_eq!(hv_http_parser_header_count(null()), 0);
    let (mut name, mut value) = (null(), null());
    let (mut name_len, mut value_len) = (0usize, 0usize);
    assert!(!hv_http_parser_header(
        null(),
        0,
        &mut name,
        &mut name_len,
        &mut value,
        &mut value_len
    ));
    let mut body_len = 7usize;
    assert!(hv_http_parser_body(null(), &mut body_len).is_null());
    assert_eq!(body_len, 0);
    hv_http_parser_clear_body(null());
    assert_eq!(hv_http_parser_error(null(), buf.as_mut_ptr(), buf.len()), 0);
    {
        let p = hv_http_parser_new(true);
        assert_eq!(
            hv_http_parser_feed(p, null(), 3),
            -1,
            "NULL data with a length"
        );
        assert!(!hv_http_parser_header(
            p,
            0,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut()
        ));
        assert!(hv_http_parser_body(p, null_mut()).is_null());
        assert_eq!(hv_http_parser_header_count(p), 0);
        assert_eq!(hv_http_parser_error(p, null_mut(), 0), 0);
        hv_http_parser_free(p);
    }

    // network logger
    assert!(hv_nlog_listen(null(), 0).is_null());
    assert_eq!(hv_nlog_write(null(), 5), 0);

    // Each of the 18 calls above that handed over userdata freed it exactly once.
    assert_eq!(FREED.load(Ordering::SeqCst) - before, 18);
}

/// A call that writes a string into the caller's buffer writes "" for a NULL handle too (C
/// programs print the buffer): the c_abi fuzz target found hv_http_parser_error leaving it
/// unwritten, and the address getters did the same.
#[test]
fn string_out_calls_write_empty_for_null_handles() {
    type Call = fn(*mut std::ffi::c_char, usize) -> usize;
    let calls: [(&str, Call); 4] = [
        ("hv_http_parser_error", |b, l| {
            hv_http_parser_error(null(), b, l)
        }),
        ("hv_channel_peeraddr", |b, l| {
            hv_channel_peeraddr(null(), b, l)
        }),
        ("hv_channel_localaddr", |b, l| {
            hv_channel_localaddr(null(), b, l)
        }),
        ("hv_http_request_client_addr", |b, l| {
            hv_http_request_client_addr(null(), b, l)
        }),
    ];
    for (name, call) in calls {
        let mut buf = [b'x' as std::ffi::c_char; 8];
        assert_eq!(call(buf.as_mut_ptr(), buf.len()), 0, "{name}");
        assert_eq!(buf[0], 0, "{name} left the buffer unwritten");
    }
}

#[test]
fn bad_arguments_get_error_codes() {
    let srv = hv_tcp_server_new(null());
    let mut fd = 0;
    let bad_utf8 = b"\xff\xfe\0";
    assert_eq!(
        hv_tcp_server_createsocket(srv, 0, bad_utf8.as_ptr() as *const _, &mut fd),
        hv_status::HV_ERR_INVALID_UTF8
    );
    assert_eq!(
        hv_tcp_server_createsocket(srv, 70000, null(), &mut fd),
        hv_status::HV_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        hv_tcp_server_createsocket(srv, 0, c"no.such.host.invalid".as_ptr(), &mut fd),
        hv_status::HV_ERR_RESOLVE
    );
    assert!(fd < 0, "a failed createsocket reports a negative errno");
    assert_eq!(
        hv_tcp_server_set_load_balance(srv, 99),
        hv_status::HV_ERR_INVALID_ARGUMENT
    );
    let bad_unpack = hv_unpack_setting {
        mode: HV_UNPACK_BY_FIXED_LENGTH,
        package_max_length: 0,
        fixed_length: 0,
        delimiter: [0; 8],
        delimiter_bytes: 0,
        body_offset: 0,
        length_field_offset: 0,
        length_field_bytes: 0,
        length_adjustment: 0,
        length_field_coding: 0,
    };
    assert_eq!(
        hv_tcp_server_set_unpack(srv, &bad_unpack),
        hv_status::HV_ERR_INVALID_ARGUMENT
    );
    let unknown_mode = hv_unpack_setting {
        mode: 42,
        ..bad_unpack
    };
    assert_eq!(
        hv_tcp_server_set_unpack(srv, &unknown_mode),
        hv_status::HV_ERR_INVALID_ARGUMENT
    );
    let bad_coding = hv_unpack_setting {
        mode: HV_UNPACK_BY_LENGTH_FIELD,
        body_offset: 5,
        length_field_offset: 1,
        length_field_bytes: 4,
        length_field_coding: 7,
        ..bad_unpack
    };
    assert_eq!(
        hv_tcp_server_set_unpack(srv, &bad_coding),
        hv_status::HV_ERR_INVALID_ARGUMENT
    );
    let missing = hv_tls_options {
        crt_file: c"/nonexistent.pem".as_ptr(),
        key_file: c"/nonexistent.key".as_ptr(),
        ca_file: null(),
        ca_path: null(),
        verify_peer: 0,
    };
    assert_eq!(
        hv_tcp_server_set_tls(srv, &missing),
        hv_status::HV_ERR_TLS_CONFIG
    );
    let mut msg = [0 as std::ffi::c_char; 128];
    let len = hv_last_error(msg.as_mut_ptr(), msg.len());
    // SAFETY: hv_last_error NUL-terminates within the buffer.
    let text = unsafe { CStr::from_ptr(msg.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    assert!(len > 0 && text.contains("nonexistent"), "{text}");
    assert_eq!(
        hv_tcp_server_add_sni_cert(srv, c"a.test".as_ptr(), &missing),
        hv_status::HV_ERR_TLS_CONFIG,
        "no default certificate yet"
    );
    assert_eq!(
        hv_tcp_server_add_sni_cert(srv, null(), &missing),
        NULL_PARAM
    );
    assert_eq!(hv_tcp_server_reload_tls(srv), hv_status::HV_ERR_TLS_CONFIG);
    hv_tcp_server_free(srv);

    let cli = hv_tcp_client_new(null());
    assert_eq!(
        hv_tcp_client_start(cli, true),
        hv_status::HV_ERR_STATE,
        "start before createsocket"
    );
    assert_eq!(hv_tcp_client_bind(cli, 0, null()), hv_status::HV_ERR_STATE);
    assert_eq!(
        hv_tcp_client_send(cli, b"x".as_ptr() as *const c_void, 1),
        -1
    );
    assert_eq!(hv_tcp_client_send(cli, null(), 3), -1);
    hv_tcp_client_free(cli);

    let el = hv_loop_new();
    assert_eq!(
        hv_loop_set_timer(el, 0, 1, Some(noop_timer), null_mut(), None),
        HV_INVALID_TIMER_ID
    );
    assert_eq!(
        hv_loop_run_in_loop(el, None, null_mut(), None),
        hv_status::HV_ERR_NULL_PARAMETER
    );
    hv_loop_stop(el);
    assert_eq!(
        hv_loop_run(el),
        hv_status::HV_ERR_STATE,
        "a stopped loop does not run"
    );
    hv_loop_free(el);
    assert_eq!(
        hv_log_set_level_by_str(c"LOUD".as_ptr()),
        hv_status::HV_ERR_INVALID_ARGUMENT as i32
    );
}

#[test]
fn http_objects_reject_bad_arguments() {
    let svc = hv_http_service_new();
    assert_eq!(
        hv_http_service_add_route(
            svc,
            c"G ET".as_ptr(),
            c"/".as_ptr(),
            Some(noop_handler),
            null_mut(),
            None
        ),
        hv_status::HV_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        hv_http_service_add_route(
            svc,
            null(),
            c"/".as_ptr(),
            Some(noop_handler),
            null_mut(),
            None
        ),
        NULL_PARAM
    );
    assert_eq!(
        hv_http_service_add_route(svc, c"GET".as_ptr(), c"/".as_ptr(), None, null_mut(), None),
        NULL_PARAM
    );
    assert_eq!(
        hv_http_service_add_route(
            svc,
            c"any".as_ptr(),
            c"/x".as_ptr(),
            Some(noop_handler),
            null_mut(),
            None
        ),
        hv_status::HV_OK
    );
    let srv = hv_http_server_new();
    assert_eq!(
        hv_http_server_set_ports(srv, -1, 0),
        hv_status::HV_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        hv_http_server_set_ports(srv, 0, 70000),
        hv_status::HV_ERR_INVALID_ARGUMENT
    );
    assert_eq!(hv_http_server_set_service(srv, svc), hv_status::HV_OK);
    hv_http_service_free(svc);
    let missing = hv_tls_options {
        crt_file: c"/nonexistent.pem".as_ptr(),
        key_file: c"/nonexistent.key".as_ptr(),
        ca_file: null(),
        ca_path: null(),
        verify_peer: 0,
    };
    assert_eq!(
        hv_http_server_set_tls(srv, &missing),
        hv_status::HV_ERR_TLS_CONFIG
    );
    assert_eq!(
        hv_http_server_add_sni_cert(srv, c"a.test".as_ptr(), &missing),
        hv_status::HV_ERR_TLS_CONFIG,
        "no default certificate yet"
    );
    assert_eq!(
        hv_http_server_add_sni_cert(srv, null(), &missing),
        NULL_PARAM
    );
    assert_eq!(
        hv_http_server_add_sni_cert(srv, c"a.test".as_ptr(), null()),
        NULL_PARAM
    );
    assert_eq!(
        hv_http_server_reload_tls(srv),
        hv_status::HV_ERR_TLS_CONFIG,
        "no certificate files to reload"
    );
    assert_eq!(hv_http_server_set_ports(srv, 0, 1), hv_status::HV_OK);
    assert_eq!(
        hv_http_server_start(srv),
        hv_status::HV_ERR_TLS_CONFIG,
        "https_port without a certificate"
    );
    hv_http_server_free(srv);
}

fn last_error() -> String {
    let mut buf = [0 as std::ffi::c_char; 128];
    hv_last_error(buf.as_mut_ptr(), buf.len());
    // SAFETY: hv_last_error NUL-terminates what it writes into `buf`.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

/// C lets a caller pass any integer where the header names an enum: such values are errors
/// (or "unknown status"), never undefined behaviour, and userdata handed over is still freed.
#[test]
fn enum_arguments_out_of_range_are_errors() {
    let text = |n: u32| {
        // SAFETY: hv_status_str returns a static NUL-terminated string for any number.
        unsafe { CStr::from_ptr(hv_status_str(n)) }
            .to_str()
            .unwrap()
    };
    for bad in [1, 7000, 7012, 0x8000_0000, u32::MAX] {
        assert_eq!(text(bad), "unknown status", "{bad}");
    }
    for s in hv_status::ALL {
        assert_ne!(text(s as u32), "unknown status", "{s:?}");
    }
    assert_eq!(
        text(hv_status::HV_ERR_CLOSED as u32),
        "connection is closed"
    );

    // Its own counter: the other tests here count their frees concurrently.
    static STAGE_FREED: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn count_stage_free(_: *mut c_void) {
        STAGE_FREED.fetch_add(1, Ordering::SeqCst);
    }
    let svc = hv_http_service_new();
    let ud = std::ptr::dangling_mut::<c_void>();
    for bad in [-1, 5, 42, i32::MAX, i32::MIN] {
        assert_eq!(
            hv_http_service_set_stage(svc, bad, Some(noop_handler), ud, Some(count_stage_free)),
            hv_status::HV_ERR_INVALID_ARGUMENT,
            "stage {bad}"
        );
        assert_eq!(last_error(), format!("{bad} is not a valid hv_http_stage"));
    }
    assert_eq!(STAGE_FREED.load(Ordering::SeqCst), 5);
    for stage in 0..=4 {
        assert_eq!(
            hv_http_service_set_stage(svc, stage, Some(noop_handler), null_mut(), None),
            hv_status::HV_OK,
            "stage {stage}"
        );
    }
    hv_http_service_free(svc);
}

#[test]
fn constructors_and_logging_take_odd_values() {
    let svc = hv_http_service_new();
    let srv = hv_http_server_new();
    hv_http_service_free(svc);
    hv_http_server_free(srv);
    let t = hv_loop_thread_new(null());
    assert!(!hv_loop_thread_loop(t).is_null(), "NULL means a new loop");
    hv_loop_thread_free(t);
    let p = hv_loop_pool_new(-3);
    assert_eq!(hv_loop_pool_thread_num(p), 0);
    hv_loop_pool_free(p);

    let level = hv_log_get_level();
    hv_log_set_level(99);
    assert_eq!(hv_log_get_level(), 6, "levels clamp to SILENT");
    hv_log_set_level(-5);
    assert_eq!(hv_log_get_level(), 0);
    hv_log_set_level(level);
    assert_ne!(hv_log_set_file(c"/nonexistent-dir/x.log".as_ptr()), 0);
    assert_eq!(hv_log_set_file(null()), 0);
    hv_log_set_max_filesize(0);
    hv_log_set_remain_days(-1);
    hv_log_enable_fsync(1);
    hv_log_fsync();
    hv_log_enable_fsync(0);
    hv_log_set_handler(None);
}

#[test]
fn this_test_names_every_function_of_the_header() {
    let header = include_str!("../include/hv/hvrs.h");
    let me = include_str!("ffi_null_args.rs");
    let missing: Vec<String> = header
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with("typedef") && !l.starts_with('#'))
        .filter_map(|l| {
            let end = l.find('(')?;
            let name = l[..end].rsplit([' ', '*']).next()?;
            name.starts_with("hv_").then(|| name.to_string())
        })
        .filter(|name| !me.contains(&format!("{name}(")))
        .collect();
    assert!(
        missing.is_empty(),
        "C entry points without a NULL/bad-argument check: {missing:?}"
    );
}
