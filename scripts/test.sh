#!/usr/bin/env bash
# Runs every check: formatting, clippy, the whole test suite (unit tests, the C ABI, the C and
# C++ programs in c-examples/ built with the system compiler and driven over loopback), a
# 3-minute soak of the gateway (scripts/soak.sh), the CentOS 7 build check and the fuzz smoke
# run (scripts/fuzz.sh).
#
# The suite runs once, with every program it builds compiled and run under AddressSanitizer +
# UBSan (HV_SANITIZE=1, see tests/common/mod.rs; the programs run under valgrind are built
# plain): any sanitizer report fails the run. `cargo test` alone builds the programs plain.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
log=$(mktemp)
reports=$(mktemp -d)
builds=$(mktemp -d)
# A failing step must not leave the background jobs running.
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$log" "$reports" "$builds"' EXIT
phase() { echo "test.sh: $1 at $SECONDS s"; }

# The release build here (the README's quick start, the soak) only has to work, not be fast:
# no link-time optimisation, opt-level 1 and no line tables save CI minutes. The CentOS 7 check
# builds the dev profile. The bench (bench/run.sh) and scripts/build-centos7.sh alone build
# the real release profile.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false

# The two release builds and the fuzz targets' build share nothing with the debug tests, so
# they run beside them (at a lower priority) instead of after: the release build the
# quick-start test runs is then found done, and the CentOS 7 build is checked at the end. The
# soak (3 minutes, judged on answers and resources, never on speed) starts as soon as the
# release build is done, and the fuzz smoke run (every target for a few seconds, or, with no
# nightly toolchain to be had, every seed replayed on stable) as soon as its build is, both
# beside the tests. The release build alone keeps its priority: at a lower one it finished
# with the tests, and the soak then ran after them, on the run's critical path.
(cargo build --release --locked >"$builds/release.log" 2>&1 \
    && nice -n 10 bash scripts/soak.sh 180 target/soak >"$builds/soak.log" 2>&1) &
soak_pid=$!
CENTOS7_PROFILE=dev nice -n 10 bash scripts/build-centos7.sh >"$builds/centos7.log" 2>&1 &
centos7_pid=$!
# The fuzz targets' build fetches a toolchain and cargo-fuzz first where missing.
(FUZZ_PROFILE=dev nice -n 10 bash scripts/fuzz.sh build >"$builds/fuzz.log" 2>&1 \
    && FUZZ_PROFILE=dev nice -n 10 bash scripts/fuzz.sh >"$builds/fuzz-run.log" 2>&1) &
fuzz_pid=$!

status=0
HV_SANITIZE=1 HV_SANITIZE_REPORTS="$reports" cargo test --locked 2>&1 | tee "$log" || status=$?
phase "tests done"
if compgen -G "$reports/*" >/dev/null; then
    for r in "$reports"/*; do
        echo "==== $(basename "$r")"
        cat "$r"
    done
    echo "test.sh: the sanitizer reports above are findings" >&2
    exit 1
fi
[ "$status" -eq 0 ] || exit "$status"

status=0
wait "$fuzz_pid" || status=$?
cat "$builds/fuzz-run.log" 2>/dev/null || true
[ "$status" -eq 0 ] || { cat "$builds/fuzz.log"; exit "$status"; }
phase "fuzz smoke run done"
status=0
wait "$soak_pid" || status=$?
grep '^soak:' "$builds/soak.log" || true
[ "$status" -eq 0 ] || { cat "$builds/release.log" "$builds/soak.log" 2>/dev/null; exit "$status"; }
phase "soak done"

status=0
wait "$centos7_pid" || status=$?
cat "$builds/centos7.log"
[ "$status" -eq 0 ] || exit "$status"
phase "CentOS 7 build checked"
# One closing line for the whole run.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
