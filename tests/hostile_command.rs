//! The `hostile` command (`bench/hostile.rs`), pointed at a C++ service with no hardening code
//! of its own (`c-examples/hardening/edge_server.cpp`, configured only through `HV_` variables)
//! over HTTP and HTTPS: every probe of the catalogue passes, and the service still answers.

mod common;

use std::process::Command;

use common::{build, free_port, Cert, Program};

/// Deadlines short enough for the slow probes, given to the server and to the command alike.
const DEADLINE_MS: &str = "800";

fn hostile(target: &str, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hostile"))
        .arg(target)
        .args(extra)
        .args([
            "--head-timeout-ms",
            DEADLINE_MS,
            "--body-timeout-ms",
            DEADLINE_MS,
            "--first-byte-timeout-ms",
            DEADLINE_MS,
            "--handshake-timeout-ms",
            DEADLINE_MS,
            "--max-body",
            "65536",
        ])
        .output()
        .expect("running hostile");
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "hostile {target} {extra:?} failed:\n{table}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    table
}

#[test]
fn every_probe_passes_against_a_service_hardened_by_defaults_and_env() {
    let exe = build("edge_server", &["c-examples/hardening/edge_server.cpp"]);
    let cert = Cert::generate("hostile-command", &["localhost"]);
    let (port, https_port) = (free_port(), free_port());
    let env: Vec<(String, &str)> = [
        "FIRST_BYTE_TIMEOUT_MS",
        "HEAD_TIMEOUT_MS",
        "BODY_TIMEOUT_MS",
        "HANDSHAKE_TIMEOUT_MS",
    ]
    .iter()
    .map(|k| (format!("HV_{k}"), DEADLINE_MS))
    .chain([("HV_MAX_BODY".to_owned(), "64k")])
    .collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let mut edge = Program::start_env(
        &exe,
        &[
            &port.to_string(),
            &https_port.to_string(),
            cert.cert.to_str().unwrap(),
            cert.key.to_str().unwrap(),
        ],
        &env,
    );
    edge.expect("edge ready");

    let plain = hostile(&format!("127.0.0.1:{port}"), &[]);
    let tls = hostile(
        &format!("127.0.0.1:{https_port}"),
        &["--tls", "--sni", "localhost"],
    );
    for table in [&plain, &tls] {
        assert!(
            table.contains("| PASS |") && !table.contains("FAIL"),
            "{table}"
        );
        assert!(table.trim_end().ends_with("0 failed"), "{table}");
    }
    assert!(
        tls.contains("partial ClientHello"),
        "TLS probes ran:\n{tls}"
    );
    assert!(edge.try_status().is_none(), "the service is still running");
}
