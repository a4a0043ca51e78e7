//! Use-after-free and data races in the C/C++ glue, each driven by a program from
//! `c-examples/races/` that hits the race window many times. Built with sanitizers, a regression
//! shows as an AddressSanitizer report; without them as a crash or a failed check.

mod common;

use common::{build, Program};

/// Runs a program to its end and asserts it succeeded, with its output in the message.
fn run_ok(name: &str, sources: &[&str], args: &[&str]) -> Vec<String> {
    let exe = build(name, sources);
    let mut p = Program::start(&exe, args);
    let rc = p.wait();
    assert_eq!(rc, 0, "{name} failed:\n{}", p.seen.join("\n"));
    p.seen.clone()
}

#[test]
fn get_channel_by_id_and_contexts_from_other_threads_while_connections_churn() {
    let out = run_ok(
        "races_channel_lookup",
        &["c-examples/races/channel_lookup.cpp"],
        &["1500"],
    );
    assert!(out.iter().any(|l| l == "live=0"), "{out:?}");
    let found = out
        .iter()
        .find_map(|l| l.strip_prefix("lookups="))
        .and_then(|l| l.split("found=").nth(1))
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    assert!(
        found > 0,
        "the lookups never met a live connection: {out:?}"
    );
}
