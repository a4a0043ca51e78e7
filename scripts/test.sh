#!/usr/bin/env bash
# Runs every check: formatting, clippy, and the whole test suite (unit tests, the C ABI, the C
# and C++ programs in c-examples/ built with the system compiler and driven over loopback).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --locked 2>&1 | tee "$log"
bash scripts/build-centos7.sh
# One closing line for the whole run.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
