#!/usr/bin/env bash
# Runs every check: formatting, clippy, and the whole test suite (unit tests, the C ABI, the C
# and C++ programs in c-examples/ built with the system compiler and driven over loopback), then
# the test binaries that build C and C++ programs once more with every program built and run
# under AddressSanitizer + UBSan (HV_SANITIZE=1, see tests/common/mod.rs): any sanitizer report
# fails the run. It ends with the fuzz smoke run (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
log=$(mktemp)
reports=$(mktemp -d)
builds=$(mktemp -d)
# A failing step must not leave the background builds running.
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$log" "$reports" "$builds"' EXIT
phase() { echo "test.sh: $1 at $SECONDS s"; }

# The two release builds and the fuzz targets' build share nothing with the debug tests, so
# they run beside them (at a lower priority) instead of after: the release build the
# quick-start test runs is then found done, the CentOS 7 build is checked at the end, and the
# fuzz smoke run after it.
nice -n 10 cargo build --release --locked >"$builds/release.log" 2>&1 &
release_pid=$!
nice -n 10 bash scripts/build-centos7.sh >"$builds/centos7.log" 2>&1 &
centos7_pid=$!
# The fuzz targets' build (a toolchain and cargo-fuzz first where missing) for the smoke run
# at the end.
FUZZ_PROFILE=dev nice -n 10 bash scripts/fuzz.sh build >"$builds/fuzz.log" 2>&1 &
fuzz_pid=$!

cargo test --locked 2>&1 | tee "$log"
phase "tests done"
wait "$release_pid" || { cat "$builds/release.log"; exit 1; }

# The sanitizer pass: the test binaries that build C or C++ programs through tests/common's
# helpers run again (nothing Rust is rebuilt), every program rebuilt sanitized.
sanitized_tests=()
for t in $(grep -lE '(^|[^.a-z_])build\(|sanitizer_env\(|sanitize_flags\(' tests/*.rs); do
    sanitized_tests+=(--test "$(basename "$t" .rs)")
done
echo "sanitizer pass: ${sanitized_tests[*]}"
start=$SECONDS
status=0
HV_SANITIZE=1 HV_SANITIZE_REPORTS="$reports" cargo test --locked "${sanitized_tests[@]}" 2>&1 \
    | tee -a "$log" || status=$?
echo "sanitizer pass: $((SECONDS - start)) s"
if compgen -G "$reports/*" >/dev/null; then
    for r in "$reports"/*; do
        echo "==== $(basename "$r")"
        cat "$r"
    done
    echo "sanitizer pass: the reports above are findings" >&2
    exit 1
fi
[ "$status" -eq 0 ] || exit "$status"

phase "sanitizer pass done"
status=0
wait "$centos7_pid" || status=$?
cat "$builds/centos7.log"
[ "$status" -eq 0 ] || exit "$status"
phase "CentOS 7 build checked"
# The fuzz smoke run: every fuzz target for a few seconds (or, with no nightly toolchain to be
# had, every seed replayed on stable).
wait "$fuzz_pid" || { cat "$builds/fuzz.log"; exit 1; }
FUZZ_PROFILE=dev bash scripts/fuzz.sh
phase "fuzz smoke run done"
# One closing line for the whole run.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
