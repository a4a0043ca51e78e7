#!/usr/bin/env bash
# Runs every check: formatting, clippy, and the whole test suite (unit tests, the C ABI, the C
# and C++ programs in c-examples/ built with the system compiler and driven over loopback).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked
bash scripts/build-centos7.sh
