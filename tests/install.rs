//! `scripts/install.sh` lays out a prefix the way libhv's install does, and applications built
//! out of tree (CMake `find_package(libhv)`, a Makefile with pkg-config) link and run against it
//! (built with the sanitizers, through the standard `CFLAGS` / `CMAKE_*_FLAGS`, in that pass).

mod common;

use std::path::Path;
use std::process::Command;

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn install(prefix: &Path) {
    let lib_dir = common::lib_dir();
    run(Command::new("bash")
        .arg(common::manifest_dir().join("scripts/install.sh"))
        .arg("--libdir")
        .arg(&lib_dir)
        .arg(prefix));
}

#[test]
fn install_layout_and_out_of_tree_consumers() {
    let root = std::env::temp_dir().join(format!("hv-rs-install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let prefix = root.join("prefix");
    install(&prefix);

    for f in [
        "include/hv/hvrs.h",
        "include/hv/TcpServer.h",
        "include/hv/hloop.h",
        "lib/libhv.a",
        "lib/libhv_static.a",
        "lib/pkgconfig/libhv.pc",
        "lib/cmake/libhv/libhvConfig.cmake",
        "lib/cmake/libhv/libhvConfigVersion.cmake",
    ] {
        assert!(prefix.join(f).exists(), "{f} missing");
    }
    assert_eq!(
        std::fs::read_link(prefix.join("lib/libhv.so")).unwrap(),
        Path::new("libhv.so.0")
    );
    let real = std::fs::read_link(prefix.join("lib/libhv.so.0")).unwrap();
    assert_eq!(
        real,
        Path::new(&format!("libhv.so.{}", env!("CARGO_PKG_VERSION")))
    );
    let dynamic = run(Command::new("readelf")
        .arg("-d")
        .arg(prefix.join("lib").join(&real)));
    assert!(
        dynamic.contains("Library soname: [libhv.so.0]"),
        "{dynamic}"
    );

    let pc = prefix.join("lib/pkgconfig");
    let libs = run(Command::new("pkg-config")
        .env("PKG_CONFIG_PATH", &pc)
        .args(["--libs", "libhv"]));
    assert!(libs.contains("-lhv"), "{libs}");

    // Makefile + pkg-config, in a copy of the example so the source tree stays clean.
    let make_dir = root.join("consumer-make");
    std::fs::create_dir_all(&make_dir).unwrap();
    for f in ["Makefile", "main.c"] {
        std::fs::copy(
            common::manifest_dir()
                .join("c-examples/consumer-make")
                .join(f),
            make_dir.join(f),
        )
        .unwrap();
    }
    let sanitize = common::sanitize_flags().join(" ");
    run(Command::new("make")
        .arg("-s")
        .current_dir(&make_dir)
        .env("PKG_CONFIG_PATH", &pc)
        .env("CFLAGS", &sanitize));
    common::assert_sanitizer_runtime(&make_dir.join("echo_selftest"));
    assert!(run(common::sanitizer_env(&mut Command::new(
        make_dir.join("echo_selftest")
    )))
    .contains("echo ok"));

    // CMake find_package(libhv), shared and static targets.
    let build = root.join("consumer-cmake");
    std::fs::create_dir_all(&build).unwrap();
    run(Command::new("cmake")
        .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
        .arg(format!("-DCMAKE_CXX_FLAGS={sanitize}"))
        .arg(format!("-DCMAKE_EXE_LINKER_FLAGS={sanitize}"))
        .arg(common::manifest_dir().join("c-examples/consumer-cmake"))
        .current_dir(&build));
    run(Command::new("cmake")
        .args(["--build", "."])
        .current_dir(&build));
    for exe in ["echo_selftest_shared", "echo_selftest_static"] {
        common::assert_sanitizer_runtime(&build.join(exe));
        assert!(
            run(common::sanitizer_env(&mut Command::new(build.join(exe)))).contains("echo ok"),
            "{exe}"
        );
    }
    let needed = run(Command::new("readelf")
        .arg("-d")
        .arg(build.join("echo_selftest_shared")));
    assert!(needed.contains("[libhv.so.0]"));
    let _ = std::fs::remove_dir_all(&root);
}
