//! The shared library exports exactly the C ABI listed in `abi/exported-symbols.txt`, and every
//! public header compiles on its own (and when included twice) with strict warnings.

mod common;

use std::process::Command;

#[test]
fn exported_symbols_are_exactly_the_committed_list() {
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(common::lib_dir().join("libhv.so"))
        .output()
        .expect("nm (binutils)");
    assert!(out.status.success());
    let mut exported: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
        .collect();
    exported.sort();
    let committed: Vec<String> = include_str!("../abi/exported-symbols.txt")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        exported, committed,
        "the exported symbols changed: update abi/exported-symbols.txt (and the SONAME if the change breaks callers)"
    );
    assert!(
        exported.iter().all(|s| s.starts_with("hv_")),
        "only hv_* symbols, no C++ or Rust symbols"
    );
}

fn compile(lang: &str, std: &str, extra: &[&str], source: &str) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("hv-rs-headers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!(
        "tu_{}.{}",
        source.len() ^ source.as_ptr() as usize,
        if lang == "c" { "c" } else { "cpp" }
    ));
    std::fs::write(&file, source).unwrap();
    let out = Command::new(if lang == "c" { "cc" } else { "c++" })
        .arg(format!("-std={std}"))
        .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
        .args(extra)
        .arg("-I")
        .arg(common::manifest_dir().join("include"))
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn every_header_compiles_alone_and_twice_as_cpp11() {
    let mut failures = Vec::new();
    let mut headers: Vec<String> = std::fs::read_dir(common::manifest_dir().join("include/hv"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".h") || n.ends_with(".hpp"))
        .collect();
    headers.sort();
    assert!(headers.len() > 30);
    // One translation unit per header would mean ~40 compiler runs; a unit including a header
    // twice, first thing, still proves it stands alone.
    for h in &headers {
        let src = format!("#include \"hv/{h}\"\n#include \"hv/{h}\"\nint main() {{ return 0; }}\n");
        if let Err(e) = compile("c++", "c++11", &[], &src) {
            failures.push(format!("{h}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hvrs_h_is_strict_c99_and_cpp() {
    let src = "#include \"hv/hvrs.h\"\n#include \"hv/hvrs.h\"\nint main(void) { return hv_status_str(HV_OK) == 0; }\n";
    compile("c", "c99", &["-pedantic"], src).unwrap();
    compile("c++", "c++11", &["-pedantic"], src).unwrap();
}
