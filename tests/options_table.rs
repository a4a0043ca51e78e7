//! The README's knob table is the code's: every knob of `hv::http::KNOBS` and
//! `hv::tcp::TCP_KNOBS` has its row, with the default the server really starts with and the
//! environment variable it reads.

use std::path::Path;

#[test]
fn readme_lists_every_knob_with_its_default_and_variable() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = readme
        .split("## Hardening knobs")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Hardening knobs section");
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
    let http = hv::http::KNOBS
        .iter()
        .map(|k| (k.name, k.default, k.env_name(), k.doc));
    let tcp = hv::tcp::TCP_KNOBS
        .iter()
        .map(|k| (k.name, k.default, k.env_name(), k.doc));
    let expected: Vec<String> = http
        .chain(tcp)
        .map(|(name, default, env, doc)| format!("| `{name}` | `{default}` | `{env}` | {doc} |"))
        .collect();
    for row in &expected {
        assert!(rows.contains(&row.as_str()), "README lacks the row\n{row}");
    }
    assert_eq!(rows.len(), expected.len(), "README rows: {rows:#?}");
}
