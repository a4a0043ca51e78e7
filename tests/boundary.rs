//! The C ABI's edges, driven from C and C++ programs: out-of-range values where the header names
//! an enum.

mod common;

use common::{build, Program};

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
