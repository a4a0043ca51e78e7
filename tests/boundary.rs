//! The C ABI's edges, driven from C and C++ programs: out-of-range values where the header names
//! an enum, and callbacks and finalizers that call back into the library. No callback or
//! finalizer runs under a library lock, so none of them hangs; every wait has a deadline.

mod common;

use std::io::{Read, Write};

use common::{build, connect, free_port, Program};

/// Runs one case of `c-examples/boundary.c` to its end and returns its output.
fn boundary_case(case: &str) -> Vec<String> {
    let exe = build("boundary", &["c-examples/boundary.c"]);
    let mut p = Program::start(&exe, &[case]);
    p.expect(&format!("ok {case}"));
    assert_eq!(p.wait(), 0, "{case}: {:?}", p.seen);
    p.seen.clone()
}

fn assert_lines(seen: &[String], wanted: &[&str]) {
    for w in wanted {
        assert!(
            seen.iter().any(|l| l.contains(w)),
            "no line containing {w:?} in {seen:#?}"
        );
    }
}

#[test]
fn out_of_range_enum_values_from_c_are_errors() {
    let seen = boundary_case("enums");
    assert_lines(
        &seen,
        &[
            "status 7012: unknown status",
            "status max: unknown status",
            "status closed: connection is closed",
            "stage 99: invalid (99 is not a valid hv_http_stage) freed=1",
            "stage -1: invalid freed=2",
            "stage postprocessor: ok",
        ],
    );
}

#[test]
fn a_log_handler_that_logs_neither_hangs_nor_recurses() {
    let seen = boundary_case("log");
    let handled = |needle: &str| {
        seen.iter()
            .filter(|l| l.starts_with("handler got: ") && l.contains(needle))
            .count()
    };
    assert_eq!(handled("outer line"), 1, "{seen:#?}");
    assert_eq!(
        handled("inner from the handler"),
        0,
        "a line logged by the handler itself goes to stderr: {seen:#?}"
    );
    assert!(
        seen.iter()
            .any(|l| !l.starts_with("handler got: ") && l.contains("WARN  inner from the handler")),
        "{seen:#?}"
    );
    assert_eq!(
        handled("from another thread"),
        1,
        "another thread's line reaches the handler while it runs: {seen:#?}"
    );
    assert_lines(&seen, &["log returned"]);
}

#[test]
fn finalizers_of_replaced_tcp_callbacks_call_back_in() {
    let seen = boundary_case("tcp");
    assert_lines(
        &seen,
        &[
            "server finalizer called back (port: -1)",
            "server callbacks replaced",
            "client finalizer called back (connected: 0)",
            "client callbacks replaced",
        ],
    );
}

#[test]
fn finalizers_of_replaced_http_handlers_call_back_in() {
    let seen = boundary_case("http");
    assert_lines(
        &seen,
        &[
            "stage finalizer called back",
            "route finalizer called back",
            "service finalizer called back",
            "hooks finalizer called back",
        ],
    );
}

#[test]
fn timer_and_loop_userdata_finalizers_and_visitors_call_back_in() {
    let seen = boundary_case("loop");
    assert_lines(
        &seen,
        &[
            "killed timer finalizer called back",
            "finished timer finalizer called back",
            "refused userdata finalizer called back (attached: yes)",
            "visitor called back (same: yes)",
            "live timer finalizer called back at stop",
            "loop userdata finalizer called back (attached: no)",
            "loop stopped",
        ],
    );
}

/// Clients connect and disconnect while the program walks the connections in a loop, calling
/// `connectionNum()` and `getChannelById()` from inside the walk, and its workers walk them too
/// from `onConnection`: every echo comes back, and the program ends.
#[test]
fn foreach_channel_while_connections_come_and_go() {
    const CLIENTS: usize = 60;
    let exe = build(
        "evpp_foreach_channel",
        &["c-examples/evpp/foreach_channel.cpp"],
    );
    let port = free_port();
    let mut p = Program::start(&exe, &[&port.to_string()]);
    p.expect("started");
    p.expect("walking");
    let mut open = Vec::new();
    for i in 0..CLIENTS {
        let mut s = connect(port);
        s.write_all(b"ping").unwrap();
        let mut echo = [0u8; 4];
        s.read_exact(&mut echo)
            .unwrap_or_else(|e| panic!("client {i}: no echo: {e}"));
        assert_eq!(&echo, b"ping");
        // Some connections stay open across later connects, so the walks see several at once.
        if i % 3 == 0 {
            open.push(s);
        }
        if open.len() > 5 {
            open.remove(0);
        }
    }
    drop(open);
    p.close_stdin();
    let walked = p.expect("walked ");
    assert!(walked.contains(" mismatched=0 "), "{walked}");
    assert!(!walked.contains(" visits=0 "), "{walked}");
    let counts = p.expect("opened=");
    assert_eq!(
        counts,
        format!("opened={CLIENTS} closed={CLIENTS}"),
        "every connection opened and closed once"
    );
    p.expect("exit");
    assert_eq!(p.wait(), 0);
}

/// In the sanitizer pass (`HV_SANITIZE=1`) the programs carry the ASan and UBSan runtimes; in the
/// normal pass they do not.
#[test]
fn programs_carry_the_sanitizer_runtimes_exactly_in_the_sanitizer_pass() {
    common::assert_sanitizer_runtime(&build("boundary", &["c-examples/boundary.c"]));
    common::assert_sanitizer_runtime(&build(
        "evpp_foreach_channel",
        &["c-examples/evpp/foreach_channel.cpp"],
    ));
}
