#!/usr/bin/env bash
# Fuzzes every target of fuzz/ (cargo-fuzz, libFuzzer, AddressSanitizer, debug assertions) for
# SECONDS each (default 10: the smoke run scripts/test.sh ends with), starting from the
# committed seed corpus of each; any crash, panic, leak or sanitizer report fails the run and
# leaves the input in fuzz/artifacts/<target>/. New inputs go to a temporary copy of the
# corpus, so the committed seeds stay as they are.
#
# cargo-fuzz needs a nightly toolchain: a missing one is installed (minimal profile), and
# cargo-fuzz too. Where no nightly can be had, every seed is replayed through its target on
# the default toolchain instead (fuzz/tests/replay.rs): no fuzzing, but the targets' checks run.
# The first line of output says which of the two ran.
#
# A longer run: scripts/fuzz.sh 3600 (an hour per target). FUZZ_TARGETS="unpack router" picks
# targets. FUZZ_PROFILE=dev builds without optimisation: it compiles in about half the time and
# runs far fewer inputs per second, which suits the smoke run (scripts/test.sh sets it). `scripts/fuzz.sh build` only gets the toolchain and builds (scripts/test.sh does
# that beside the tests, so the smoke run at its end finds the targets built).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
build_only=false
[ "$seconds" = build ] && build_only=true
targets=(${FUZZ_TARGETS:-unpack proxy_header router static_path query c_abi})
# -a: debug assertions, so arithmetic overflow is a crash too (the dev profile has them anyway).
profile=(-a)
[ "${FUZZ_PROFILE:-release}" = dev ] && profile=(--dev)

nightly() { command -v rustup >/dev/null 2>&1 && rustup run nightly rustc --version >/dev/null 2>&1; }
if ! nightly && command -v rustup >/dev/null 2>&1; then
    echo "fuzz.sh: installing the nightly toolchain" >&2
    rustup toolchain install nightly --profile minimal >&2 || true
fi
if ! nightly; then
    echo "fuzz.sh: path: stable replay of the seed corpora (no nightly toolchain, no fuzzing)"
    if $build_only; then
        exec cargo test --manifest-path fuzz/Cargo.toml --locked --test replay --no-run
    fi
    exec cargo test --manifest-path fuzz/Cargo.toml --locked --test replay -- --nocapture
fi
echo "fuzz.sh: path: cargo-fuzz on nightly$($build_only || echo ", ${seconds} s per target")"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

start=$SECONDS
# One build for every target.
cargo +nightly fuzz build "${profile[@]}"
echo "fuzz.sh: built in $((SECONDS - start)) s"
if $build_only; then
    exit
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
    mkdir -p "$work/$t"
    t0=$SECONDS
    # The first corpus directory takes new inputs; the committed seeds are only read.
    if ! cargo +nightly fuzz run "${profile[@]}" "$t" "$work/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$work/$t.log" 2>&1; then
        tail -n 60 "$work/$t.log"
        echo "fuzz.sh: $t failed: the input is in fuzz/artifacts/$t/" >&2
        exit 1
    fi
    runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$work/$t.log")
    echo "fuzz.sh: $t: $runs runs in $((SECONDS - t0)) s, no crash"
done
echo "fuzz.sh: every target passed in $((SECONDS - start)) s"
