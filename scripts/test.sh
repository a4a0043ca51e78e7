#!/usr/bin/env bash
# Runs every check: formatting, clippy, and the whole test suite (unit tests, the C ABI, the C
# and C++ programs in c-examples/ built with the system compiler and driven over loopback), then
# the test binaries that build C and C++ programs once more with every program built and run
# under AddressSanitizer + UBSan (HV_SANITIZE=1, see tests/common/mod.rs): any sanitizer report
# fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
log=$(mktemp)
reports=$(mktemp -d)
trap 'rm -rf "$log" "$reports"' EXIT
cargo test --locked 2>&1 | tee "$log"

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

bash scripts/build-centos7.sh
# One closing line for the whole run.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
