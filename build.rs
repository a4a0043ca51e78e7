//! Generates `include/hv/hvrs.h` from `src/ffi` with cbindgen.
//!
//! The header is always written to `$OUT_DIR/hvrs.h`; a test compares it with the committed
//! `include/hv/hvrs.h`. Outside CI the committed copy is refreshed too, so developers never edit
//! it by hand; in CI (env `CI` set) it is left alone, so drift fails the test instead.

use std::path::PathBuf;

/// The shared library's SONAME. libhv's own is plain `libhv.so`; hv-rs is not binary
/// compatible with it, so programs record this name instead and cannot load real libhv by
/// accident. Bump it whenever the C ABI changes incompatibly.
const SONAME: &str = "libhv.so.0";

fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{SONAME}");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=CI");
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("hvrs.h");
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate hvrs.h");
    bindings.write_to_file(&out);
    if std::env::var_os("CI").is_none() {
        bindings.write_to_file(crate_dir.join("include/hv/hvrs.h"));
    }
}
