//! The committed C header must be exactly what cbindgen generates from `src/ffi` now.

#[test]
fn committed_hvrs_h_matches_a_fresh_generation() {
    let fresh = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/hvrs.h")).unwrap();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/hv/hvrs.h")).unwrap();
    assert!(
        fresh == committed,
        "include/hv/hvrs.h is stale: build outside CI (without the CI variable) to regenerate it, then commit it"
    );
}

#[test]
fn header_declares_the_package_version_function_and_guards() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/hv/hvrs.h")).unwrap();
    assert!(committed.contains("#ifndef HVRS_H"));
    assert!(committed.contains("extern \"C\""));
    assert!(committed.contains("const char *hv_rs_version(void);"));
    // SAFETY: hv_rs_version returns a static NUL-terminated string.
    let version = unsafe { std::ffi::CStr::from_ptr(hv::ffi::hv_rs_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}
