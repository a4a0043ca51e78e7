//! The README's knob table is the code's: every knob of `hv::http::KNOBS` has its row, with the
//! default the server really starts with and the environment variable it reads.

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
    for knob in hv::http::KNOBS {
        let row = format!(
            "| `{}` | `{}` | `{}` | {} |",
            knob.name,
            knob.default,
            knob.env_name(),
            knob.doc
        );
        assert!(rows.contains(&row.as_str()), "README lacks the row\n{row}");
    }
    assert_eq!(rows.len(), hv::http::KNOBS.len(), "README rows: {rows:#?}");
}
